using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.TestSupport;
using OnnxDiffusion.TestSupport.Reference;

namespace OnnxDiffusion.Models.Tests.Reference;

/// <summary>
/// Whole-model reference checks at the tiny SD1.5 size: the reference reads exactly the tensor names of a real
/// SD1.5 checkpoint (the published key table), produces the documented shapes, and stays finite.
/// </summary>
[Category("Unit")]
public sealed class RefModelsTests
{
    private static readonly Sd15Config s_tiny = Sd15Config.Tiny;

    [Test]
    public void UNet_Tiny_ReadsExactlyTheSd15UNetKeysAndKeepsShape()
    {
        var bank = new RandomWeightBank(1);
        RefTensor sample = RefOpsTests.RandomTensor(new Random(2), 2, 4, 8, 8);
        RefTensor context = RefOpsTests.RandomTensor(new Random(3), 2, 7, s_tiny.UNet.ContextDim);

        RefTensor y = RefUNet.Forward(ReferenceWeights.FromBank(bank), s_tiny.UNet, sample, [999, 10.5], context);

        Assert.That(y.Shape, Is.EqualTo(new[] { 2, 4, 8, 8 }));
        Assert.That(y.Data, Has.All.Matches<double>(double.IsFinite));
        Assert.That(bank.Tensors.Keys, Is.EquivalentTo(TableKeys(RefUNet.Prefix)));
    }

    [Test]
    public void UNet_InpaintingNineChannels_ReadsNineChannelConvIn()
    {
        var bank = new RandomWeightBank(1);
        UNetConfig config = s_tiny.UNet with { InChannels = 9 };
        RefTensor sample = RefOpsTests.RandomTensor(new Random(2), 1, 9, 8, 8);
        RefTensor context = RefOpsTests.RandomTensor(new Random(3), 1, 3, config.ContextDim);

        RefTensor y = RefUNet.Forward(ReferenceWeights.FromBank(bank), config, sample, [500], context);

        Assert.That(y.Shape, Is.EqualTo(new[] { 1, 4, 8, 8 }));
        Assert.That(bank.Tensors[RefUNet.Prefix + "input_blocks.0.0.weight"].Shape,
            Is.EqualTo(new[] { config.ModelChannels, 9, 3, 3 }));
    }

    [Test]
    public void Vae_Tiny_ReadsExactlyTheSd15VaeKeysWithDocumentedShapes()
    {
        var bank = new RandomWeightBank(4);
        ReferenceWeights weights = ReferenceWeights.FromBank(bank);
        RefTensor image = RefOpsTests.RandomTensor(new Random(5), 1, 3, 16, 24);

        RefTensor mean = RefVae.EncodeMean(weights, s_tiny.Vae, image);
        RefTensor decoded = RefVae.Decode(weights, s_tiny.Vae, mean);

        Assert.That(mean.Shape, Is.EqualTo(new[] { 1, 4, 2, 3 }));
        Assert.That(decoded.Shape, Is.EqualTo(new[] { 1, 3, 16, 24 }));
        Assert.That(decoded.Data, Has.All.Matches<double>(double.IsFinite));
        Assert.That(bank.Tensors.Keys, Is.EquivalentTo(TableKeys(RefVae.Prefix)));
    }

    [Test]
    public void Clip_Tiny_ReadsSd15TextKeysAndExposesAllHiddenStates()
    {
        var bank = new RandomWeightBank(6);
        ReferenceWeights weights = ReferenceWeights.FromBank(bank);
        long[][] ids = [[49406, 320, 1125, 49407, 49407], [49406, 49407, 49407, 49407, 49407]];
        ClipTextConfig config = s_tiny.TextEncoder;

        RefClipOutput output = RefClipText.Forward(weights, config, ids);

        Assert.That(output.LastHiddenState.Shape, Is.EqualTo(new[] { 2, 5, config.Width }));
        Assert.That(output.PooledOutput.Shape, Is.EqualTo(new[] { 2, config.Width }));
        Assert.That(output.HiddenStates, Has.Count.EqualTo(config.Layers + 1));
        string[] expected = TableKeys(RefClipText.Prefix)
            .Where(k => !k.EndsWith("position_ids", StringComparison.Ordinal)).ToArray();
        Assert.That(bank.Tensors.Keys, Is.EquivalentTo(expected));
    }

    [Test]
    public void Clip_CausalMask_EarlierPositionsIgnoreLaterTokens()
    {
        ReferenceWeights weights = ReferenceWeights.FromBank(new RandomWeightBank(7));
        ClipTextConfig config = s_tiny.TextEncoder;
        RefClipOutput a = RefClipText.Forward(weights, config, [[49406, 320, 1125, 49407]]);
        RefClipOutput b = RefClipText.Forward(weights, config, [[49406, 320, 77, 49407]]);
        int w = config.Width;
        Assert.That(a.LastHiddenState.Data[..(2 * w)], Is.EqualTo(b.LastHiddenState.Data[..(2 * w)]));
        Assert.That(a.LastHiddenState.Data[(2 * w)..(3 * w)], Is.Not.EqualTo(b.LastHiddenState.Data[(2 * w)..(3 * w)]));
    }

    private static string[] TableKeys(string prefix)
    {
        string path = SharedData.PathOrIgnore("checkpoint-layouts/sd15-ldm-keys.tsv");
        return File.ReadLines(path).Skip(1)
            .Select(line => line.Split('\t')[0])
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal))
            .ToArray();
    }
}
