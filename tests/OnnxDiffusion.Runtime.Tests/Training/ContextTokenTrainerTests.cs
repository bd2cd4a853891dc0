using OnnxDiffusion.Converters.Tests.Training;
using OnnxDiffusion.Converters.Training;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Runtime.Onnx;
using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.Runtime.Training;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Runtime.Tests.Training;

[Category("Integration")]
public sealed class ContextTokenTrainerTests
{
    private const int Size = 64;                      // 64×64 references → 8×8 latents
    private static readonly SessionConfig s_session = new() { IntraOpThreads = 2 };
    private static TempDir? s_dir;
    private static string? s_artifacts;
    private static ContextTrainingInputs? s_inputs;

    [OneTimeSetUp]
    public void Prepare()
    {
        s_dir = new TempDir("onnxdiff-trainer");
        s_artifacts = TrainingArtifacts.Write(new TrainingArtifactsOptions
        {
            Package = TinyPackage.Root, Output = s_dir.File("artifacts"), NumTokens = 4,
        }).Directory;
        using DiffusionPackage package = DiffusionPackage.Open(TinyPackage.Root, s_session);
        ReferenceSet references = ReferenceSet.Encode(package.VaeEncoder(), SyntheticImages(2), LeftHalfMask(),
            Size, package.Manifest.LatentScale);
        s_inputs = new ContextTrainingInputs(references, TrainingPrompt.Encode(package, "a red square"),
            package.ModelSampling, package.Prediction, "a red square");
    }

    [OneTimeTearDown]
    public void Delete() => s_dir?.Dispose();

    [Test]
    public void Train_TinyModel_LossFallsAndBeatsTheInitialTokensOnHeldOutSamples()
    {
        using var artifacts = ContextTokenArtifacts.Open(s_artifacts!, s_session);
        var options = new ContextTrainingOptions { Steps = 100, LearningRate = 0.05f, Seed = 11, InitStd = 0.02f };
        ContextTrainingResult result = ContextTokenTrainer.Train(artifacts, s_inputs!, options);
        TestContext.Out.WriteLine(result.Info);
        Assert.That(result.FinalLoss, Is.LessThanOrEqualTo(0.7 * result.InitialLoss), result.Info);

        var initial = new float[4 * artifacts.ContextDim];
        new Runtime.Rng.TorchCpuRandom(11).FillNormal(initial);
        float[] initialTokens = initial.Select(v => v * 0.02f).ToArray();
        double before = ContextTokenTrainer.EvaluateLoss(artifacts, s_inputs!, initialTokens, seed: 999, count: 16);
        double after = ContextTokenTrainer.EvaluateLoss(artifacts, s_inputs!, result.Tokens.Tokens, 999, 16);
        TestContext.Out.WriteLine($"held out: initial tokens {before}, trained tokens {after}");
        Assert.That(after, Is.LessThan(before));
        Assert.That(result.Tokens.Metadata["steps"], Is.EqualTo("100"));
        Assert.That(result.Tokens.Metadata["reference_count"], Is.EqualTo("2"));
    }

    [Test]
    public void Train_SameSeed_GivesTheSameTokens()
    {
        using var artifacts = ContextTokenArtifacts.Open(s_artifacts!, s_session);
        var options = new ContextTrainingOptions { Steps = 3, LearningRate = 0.01f, Seed = 5, EvalSamples = 1 };
        float[] first = ContextTokenTrainer.Train(artifacts, s_inputs!, options).Tokens.Tokens;
        float[] second = ContextTokenTrainer.Train(artifacts, s_inputs!, options).Tokens.Tokens;
        float[] other = ContextTokenTrainer.Train(artifacts, s_inputs!, options with { Seed = 6 }).Tokens.Tokens;
        Assert.That(second, Is.EqualTo(first));
        Assert.That(other, Is.Not.EqualTo(first));
    }

    /// <summary>Smooth colour patterns, different per image, <c>[n, 64, 64, 3]</c> in 0..1.</summary>
    internal static FloatTensor SyntheticImages(int n)
    {
        var images = new FloatTensor(n, Size, Size, 3);
        for (int b = 0; b < n; b++)
        {
            for (int y = 0; y < Size; y++)
            {
                for (int x = 0; x < Size; x++)
                {
                    int i = (((b * Size) + y) * Size + x) * 3;
                    images.Data[i] = 0.5f + (0.5f * MathF.Sin((x + (7 * b)) / 6f));
                    images.Data[i + 1] = (float)y / Size;
                    images.Data[i + 2] = b % 2 == 0 ? 0.2f : 0.8f;
                }
            }
        }

        return images;
    }

    /// <summary>One mask <c>[1, 64, 64]</c>: 1 on the left half.</summary>
    internal static FloatTensor LeftHalfMask()
    {
        var mask = new FloatTensor(1, Size, Size);
        for (int p = 0; p < mask.Length; p++)
        {
            mask.Data[p] = p % Size < Size / 2 ? 1f : 0f;
        }

        return mask;
    }
}
