using Microsoft.ML.OnnxRuntime;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Runtime.Components;
using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.Runtime.Rng;
using OnnxDiffusion.Runtime.Sampling;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Runtime.Tests.Pipelines;

/// <summary>
/// The ONNX UNet wiring behind the KSampler, checked against plain ORT runs of the same UNet session: CFG
/// batching order, the timestep ComfyUI passes, zero allocations per step, and cancellation.
/// </summary>
[Category("Integration")]
public sealed class OnnxUNetModelTests
{
    private const int Latent = 8; // 64×64 images
    private const int Plane = 4 * Latent * Latent;

    private static DiffusionPackage Package => TinyPackages.Open(TinyPackages.Standard);

    private static InferenceSession UNetSession => Package.Session(PackageLayout.UNet).Session;

    private static (TextContext Positive, TextContext Negative) Contexts()
    {
        var pipeline = new StableDiffusionPipeline(Package);
        return (pipeline.Conditioner.Encode("a cat on a mat"), pipeline.Conditioner.Encode("ugly, blurry"));
    }

    private static float[] Noise(int length, ulong seed)
    {
        var values = new float[length];
        new TorchCpuRandom(seed).FillNormal(values);
        return values;
    }

    /// <summary>One plain ORT UNet evaluation of a single latent and context.</summary>
    private static float[] PlainUNet(float[] sample, float timestep, TextContext context) =>
        PlainOrt.Run(UNetSession, "out_sample",
            ("sample", sample, [1, 4, Latent, Latent]),
            ("timestep", [timestep], [1]),
            ("encoder_hidden_states", context.Values, [1, context.Tokens, context.Dim]));

    private static OnnxUNetModel Model(
        UNetRunner runner, TextContext positive, TextContext? negative, int batch, CancellationToken token = default) =>
        new(runner, positive, negative, new LatentShape(batch, Latent, Latent), PredictionType.Epsilon,
            ModelSamplingDiscrete.Default, token);

    [Test]
    public void Predict_Cfg_EqualsSeparatePlainRunsWithPositiveRowsFirst()
    {
        var (positive, negative) = Contexts();
        float[] sample = Noise(2 * Plane, 3);
        var output = new float[4 * Plane];
        using (UNetRunner runner = Package.UNet())
        using (OnnxUNetModel model = Model(runner, positive, negative, batch: 2))
        {
            model.Predict(new UNetRequest(sample, [2, 4, Latent, Latent], 500f, withNegative: true), output);
        }

        for (int b = 0; b < 2; b++)
        {
            float[] item = sample.AsSpan(b * Plane, Plane).ToArray();
            float[] pos = PlainUNet(item, 500f, positive);
            float[] neg = PlainUNet(item, 500f, negative);
            Assert.That(PlainOrt.MaxAbsDiff(output.AsSpan(b * Plane, Plane), pos), Is.LessThanOrEqualTo(1e-4f),
                $"positive row of item {b}");
            Assert.That(PlainOrt.MaxAbsDiff(output.AsSpan((2 + b) * Plane, Plane), neg), Is.LessThanOrEqualTo(1e-4f),
                $"negative row of item {b}");
        }

        Assert.That(PlainOrt.MaxAbsDiff(output.AsSpan(0, Plane), output.AsSpan(2 * Plane, Plane)),
            Is.GreaterThan(1e-3f), "positive and negative predictions must differ");
    }

    [TestCase(1.2345f)]
    [TestCase(0.0731f)]
    [TestCase(9.87f)]
    public void Denoise_BetweenGridSigmas_CallsTheUNetAtComfysIntegerTimestep(float sigma)
    {
        int expectedT = ComfyTimestep(sigma);
        var (positive, _) = Contexts();
        float[] x = Noise(Plane, 4);
        var denoised = new float[Plane];
        using (UNetRunner runner = Package.UNet())
        using (OnnxUNetModel model = Model(runner, positive, null, batch: 1))
        {
            new CfgDenoiser(model, [1, 4, Latent, Latent], cfg: 1).Denoise(x, sigma, denoised);
        }

        float[] scaled = x.Select(v => v / MathF.Sqrt((sigma * sigma) + 1f)).ToArray();
        float[] eps = PlainUNet(scaled, expectedT, positive);
        float[] expected = x.Select((v, i) => v - (sigma * eps[i])).ToArray();
        Assert.That(PlainOrt.MaxAbsDiff(denoised, expected), Is.LessThanOrEqualTo(1e-4f * Math.Max(1, sigma)));
        // The check can fail: half a timestep away the UNet answers differently.
        float[] off = PlainUNet(scaled, expectedT + 0.5f, positive);
        Assert.That(PlainOrt.MaxAbsDiff(off, eps), Is.GreaterThan(1e-4f));
    }

    [Test]
    public void Predict_AfterWarmUp_AllocatesNoManagedMemory()
    {
        var (positive, negative) = Contexts();
        float[] sample = Noise(Plane, 5);
        var output = new float[2 * Plane];
        using UNetRunner runner = Package.UNet();
        using OnnxUNetModel model = Model(runner, positive, negative, batch: 1);
        int[] shape = [1, 4, Latent, Latent];
        for (int i = 0; i < 2; i++)
        {
            model.Predict(new UNetRequest(sample, shape, 900f - i, withNegative: true), output);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++)
        {
            model.Predict(new UNetRequest(sample, shape, 500f - i, withNegative: true), output);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero, $"{allocated} bytes over 3 UNet calls");
    }

    [Test]
    public void EulerThroughCommonKSampler_AfterTheFirstStep_AllocatesNothingPerStep()
    {
        var (positive, negative) = Contexts();
        using UNetRunner runner = Package.UNet();
        using OnnxUNetModel model = Model(runner, positive, negative, batch: 1);
        var latent = new LatentInput { Samples = new FloatTensor(1, 4, Latent, Latent) };
        var options = new KSamplerOptions { Seed = 1, Steps = 6, Cfg = 7, SamplerName = SamplerNames.Euler };
        var marks = new long[options.Steps];
        void Mark(in SamplingProgress p) => marks[p.Step] = GC.GetAllocatedBytesForCurrentThread();
        SamplingProgressCallback callback = Mark;

        CommonKSampler.Sample(model, latent, options, callback); // warm-up (JIT, array pool)
        CommonKSampler.Sample(model, latent, options, callback);

        long[] perStep = Enumerable.Range(1, options.Steps - 1).Select(i => marks[i] - marks[i - 1]).ToArray();
        Assert.That(perStep, Has.All.Zero, "bytes allocated between consecutive steps: " + string.Join(", ", perStep));
    }

    [Test]
    public void Predict_TokenCancelledBeforeTheCall_ThrowsOperationCanceled()
    {
        // The token is linked to ORT's RunOptions.Terminate; a terminated run must surface as cancellation,
        // not as an OnnxRuntimeException.
        var (positive, _) = Contexts();
        using var cancellation = new CancellationTokenSource();
        using UNetRunner runner = Package.UNet();
        using OnnxUNetModel model = Model(runner, positive, null, batch: 1, cancellation.Token);
        float[] sample = Noise(Plane, 6);
        var output = new float[Plane];
        cancellation.Cancel();

        Assert.That(() => model.Predict(new UNetRequest(sample, [1, 4, Latent, Latent], 10f, false), output),
            Throws.InstanceOf<OperationCanceledException>());
    }

    /// <summary>ComfyUI's timestep(σ), computed in float64 straight from the SD1.x β schedule.</summary>
    private static int ComfyTimestep(float sigma)
    {
        double start = Math.Sqrt(0.00085), end = Math.Sqrt(0.012), alphaBar = 1;
        int best = 0;
        double bestDistance = double.MaxValue;
        for (int i = 0; i < 1000; i++)
        {
            double beta = Math.Pow(start + ((end - start) * i / 999.0), 2);
            alphaBar *= 1 - beta;
            double distance = Math.Abs(Math.Log(sigma) - Math.Log(Math.Sqrt((1 - alphaBar) / alphaBar)));
            if (distance < bestDistance)
            {
                (best, bestDistance) = (i, distance);
            }
        }

        return best;
    }
}
