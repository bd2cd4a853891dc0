using Microsoft.ML.OnnxRuntime;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Training;
using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.Runtime.Rng;
using OnnxDiffusion.Runtime.Sampling;
using OnnxDiffusion.Runtime.Sampling.Guidance;
using OnnxDiffusion.Runtime.Sampling.KSampler;
using OnnxDiffusion.Runtime.Training;

namespace OnnxDiffusion.Runtime.Tests.Pipelines;

/// <summary>
/// The ONNX UNet behind multi-entry conditioning, checked against plain ORT runs of the same session: row order
/// of stacked contexts, contexts of other lengths, cropped latents, and zero allocations per sampling step.
/// </summary>
[Category("Integration")]
public sealed class OnnxContextUNetModelTests
{
    private const int Latent = 8;
    private const int Plane = 4 * Latent * Latent;

    private static DiffusionPackage Package => TinyPackages.Open(TinyPackages.Standard);

    private static InferenceSession UNetSession => Package.Session(PackageLayout.UNet).Session;

    private static (TextContext A, TextContext B, TextContext Long) Contexts()
    {
        var pipeline = new StableDiffusionPipeline(Package);
        TextContext a = pipeline.Conditioner.Encode("a cat on a mat");
        TextContext b = pipeline.Conditioner.Encode("ugly, blurry");
        var tokens = new float[3 * a.Dim];
        new TorchCpuRandom(9).FillNormal(tokens);
        return (a, b, ReferenceContextPatch.Apply(a, new ContextTokens(tokens, 3, a.Dim), 1.5f));
    }

    private static float[] Noise(int length, ulong seed)
    {
        var values = new float[length];
        new TorchCpuRandom(seed).FillNormal(values);
        return values;
    }

    private static float[] PlainUNet(float[] sample, float timestep, TextContext context) =>
        PlainOrt.Run(UNetSession, "out_sample",
            ("sample", sample, [1, 4, Latent, Latent]),
            ("timestep", [timestep], [1]),
            ("encoder_hidden_states", context.Values, [1, context.Tokens, context.Dim]));

    private static OnnxContextUNetModel Model() =>
        new(Package.UNet, PredictionType.Epsilon, ModelSamplingDiscrete.Default);

    [Test]
    public void Predict_StackedAndLongerContexts_EqualPlainRunsRowByRow()
    {
        var (a, b, longer) = Contexts();
        float[] sample = Noise(2 * Plane, 3);
        var stacked = new float[2 * Plane];
        var single = new float[Plane];
        using (OnnxContextUNetModel model = Model())
        {
            int both = model.Prepare([a, b], batch: 1, Latent, Latent);
            int alone = model.Prepare([longer], batch: 1, Latent, Latent);
            model.Predict(both, sample, 400f, stacked);
            model.Predict(alone, sample.AsSpan(0, Plane), 400f, single);
            Assert.That(model.Evaluations, Is.EqualTo(2));
        }

        float[] first = sample[..Plane], second = sample[Plane..];
        Assert.That(PlainOrt.MaxAbsDiff(stacked.AsSpan(0, Plane), PlainUNet(first, 400f, a)),
            Is.LessThanOrEqualTo(1e-4f));
        Assert.That(PlainOrt.MaxAbsDiff(stacked.AsSpan(Plane), PlainUNet(second, 400f, b)),
            Is.LessThanOrEqualTo(1e-4f));
        Assert.That(PlainOrt.MaxAbsDiff(single, PlainUNet(first, 400f, longer)), Is.LessThanOrEqualTo(1e-4f));
        Assert.That(PlainOrt.MaxAbsDiff(single, stacked.AsSpan(0, Plane)), Is.GreaterThan(1e-4f),
            "the appended tokens must change the prediction");
    }

    [Test]
    public void SampleWithAreasAndUnequalLengths_AfterTheFirstStep_AllocatesNothingPerStep()
    {
        var (a, b, longer) = Contexts();
        var conds = new GuidanceConditioning(
            [new GuidanceEntry(longer), new GuidanceEntry(b) { Area = new LatentArea(Latent, Latent, 0, Latent) }],
            [new GuidanceEntry(a)]);
        var latent = new LatentInput { Samples = new FloatTensor(1, 4, Latent, 2 * Latent) };
        var options = new KSamplerOptions { Seed = 1, Steps = 5, Cfg = 7, SamplerName = SamplerNames.Euler };
        var marks = new long[options.Steps];
        void Mark(in SamplingProgress p) => marks[p.Step] = GC.GetAllocatedBytesForCurrentThread();
        SamplingProgressCallback callback = Mark;
        using OnnxContextUNetModel model = Model();

        FloatTensor result = CommonKSampler.Sample(model, conds, latent, options, callback);

        long[] perStep = Enumerable.Range(2, options.Steps - 2).Select(i => marks[i] - marks[i - 1]).ToArray();
        Assert.That(perStep, Has.All.Zero, "bytes allocated between consecutive steps: " + string.Join(", ", perStep));
        Assert.That(result.Data.All(float.IsFinite), Is.True);
        // longer (85 tokens, full) | a (77, full) | b and a's partner, both 77 tokens on the right half, batched.
        Assert.That(model.Evaluations, Is.EqualTo(3 * options.Steps));
    }
}
