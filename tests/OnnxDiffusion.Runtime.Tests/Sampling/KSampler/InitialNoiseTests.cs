using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Runtime.Rng;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Runtime.Tests.Sampling.KSampler;

[Category("Unit")]
public sealed class InitialNoiseTests
{
    [Test]
    public void Prepare_NoBatchIndex_IsOneRandnCallOverTheBatch()
    {
        var expected = new float[2 * 4 * 8 * 8];
        new TorchCpuRandom(42).FillNormal(expected);
        Assert.That(InitialNoise.Prepare([2, 4, 8, 8], 42), Is.EqualTo(expected));
    }

    [Test]
    public void Prepare_BatchIndex_GivesEachItemItsDraw()
    {
        var rng = new TorchCpuRandom(7);
        var draws = new float[3][];
        for (int i = 0; i < 3; i++)
        {
            draws[i] = new float[4 * 5 * 5]; // 100 values: not a multiple of 16
            rng.FillNormal(draws[i]);
        }

        float[] noise = InitialNoise.Prepare([2, 4, 5, 5], 7, [2, 0]);
        Assert.That(noise[..100], Is.EqualTo(draws[2]));
        Assert.That(noise[100..], Is.EqualTo(draws[0]));
    }

    [Test]
    public void Prepare_ConsecutiveBatchIndexWithBlocksOf16_EqualsSingleCall()
    {
        // C·H·W = 64 is a multiple of 16, so per-item draws continue the same stream (spec §2b step 2).
        Assert.That(InitialNoise.Prepare([2, 4, 4, 4], 3, [0, 1]), Is.EqualTo(InitialNoise.Prepare([2, 4, 4, 4], 3)));
    }

    [Test]
    public void Prepare_BatchIndexWrongCount_ThrowsInvalidInput()
    {
        Assert.That(() => InitialNoise.Prepare([2, 4, 4, 4], 3, [0]), Throws.InstanceOf<InvalidInputException>());
        Assert.That(() => InitialNoise.Prepare([1, 4, 4, 4], 3, [-1]), Throws.InstanceOf<InvalidInputException>());
    }
}
