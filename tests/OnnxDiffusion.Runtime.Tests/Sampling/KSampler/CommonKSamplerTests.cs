using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Runtime.Rng;
using OnnxDiffusion.Runtime.Sampling;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Runtime.Tests.Sampling.KSampler;

[Category("Unit")]
public sealed class CommonKSamplerTests
{
    private const float Scale = 0.18215f;
    private static readonly int[] s_shape = [1, 4, 8, 8];

    [Test]
    public void Sample_Txt2ImgOnGridSigmas_FollowsExactOdeFromSeededNoise()
    {
        // "simple" σ values are grid points, so the toy UNet's σ = sigmas[t] is exact and D is the true posterior
        // mean. ComfyUI starts at x_T = noise·√(1 + σ_max²) from torch.manual_seed(seed).
        var toy = new GaussianToy(256, 0.5);
        var options = new KSamplerOptions
        {
            Seed = 42, Steps = 100, Cfg = 1, SamplerName = "dpmpp_2m", SchedulerName = "simple",
        };
        FloatTensor result = CommonKSampler.Sample(new GaussianUNet(toy, PredictionType.Epsilon), Empty(), options);

        var noise = new float[256];
        new TorchCpuRandom(42).FillNormal(noise);
        float[] sigmas = SamplingRegistry.GetSchedule("simple").GetSigmas(100, ModelSamplingDiscrete.Default);
        double sigmaT = sigmas[0];
        double last = sigmas[^2]; // the last positive σ; the final step returns D there
        for (int i = 0; i < 256; i++)
        {
            double xT = noise[i] * Math.Sqrt(1 + (sigmaT * sigmaT));
            double expected = toy.Denoised(toy.OdeSolution(xT, i, sigmaT, last), i, last);
            Assert.That(result.Data[i] * Scale, Is.EqualTo(expected).Within(4e-3), $"element {i}");
        }
    }

    [Test]
    public void Sample_FirstModelCall_SeesTheTorchNoiseAndIntegerTimestep999()
    {
        var recorder = new RecordingUNet();
        CommonKSampler.Sample(recorder, Empty(), new KSamplerOptions { Seed = 0, Steps = 3, Cfg = 1 });
        var noise = new float[256];
        new TorchCpuRandom(0).FillNormal(noise);
        // x = noise·√(1+σ²), model input x/√(σ²+1) = noise.
        Assert.That(recorder.Inputs[0], Is.EqualTo(noise).Within(2e-6f));
        Assert.That(recorder.Timesteps[0], Is.EqualTo(999f));
    }

    [Test]
    public void Sample_Img2Img_StartsFromScaledLatentPlusSigmaNoise()
    {
        var recorder = new RecordingUNet();
        FloatTensor latent = Filled(1.5f);
        var options = new KSamplerOptions { Seed = 9, Steps = 10, Cfg = 1, Denoise = 0.5 };
        CommonKSampler.Sample(recorder, new LatentInput { Samples = latent }, options);
        float sigma0 = CommonKSampler.PlanSigmas(ModelSamplingDiscrete.Default,
            SamplingRegistry.GetSampler("euler"), options)![0];
        Assert.That(sigma0, Is.LessThan(ModelSamplingDiscrete.Default.SigmaMax));
        var noise = new float[256];
        new TorchCpuRandom(9).FillNormal(noise);
        for (int i = 0; i < 256; i++)
        {
            float x = (1.5f * Scale) + (noise[i] * sigma0);
            Assert.That(recorder.Inputs[0][i], Is.EqualTo(x / MathF.Sqrt((sigma0 * sigma0) + 1)).Within(1e-5f));
        }
    }

    [Test]
    public void Sample_TwoAdvancedStages_EqualOneFullRun()
    {
        var toy = new GaussianToy(256, 0.5);
        var model = new GaussianUNet(toy, PredictionType.Epsilon);
        var full = new KSamplerOptions { Seed = 5, Steps = 20, Cfg = 1 };
        FloatTensor once = CommonKSampler.Sample(model, Empty(), full);

        // KSamplerAdvanced: steps 0–12 with leftover noise, then 12–end with add_noise disabled.
        FloatTensor half = CommonKSampler.Sample(model, Empty(), full with
        {
            StartStep = 0, LastStep = 12, ForceFullDenoise = false,
        });
        FloatTensor twice = CommonKSampler.Sample(model, new LatentInput { Samples = half }, full with
        {
            AddNoise = false, StartStep = 12, LastStep = 10000, ForceFullDenoise = true,
        });
        Assert.That(twice.Data, Is.EqualTo(once.Data).Within(2e-5f));
        Assert.That(half.Data, Is.Not.EqualTo(once.Data).Within(1e-3f));
    }

    [Test]
    public void Sample_DenoiseZeroOrStartPastEnd_ReturnsInputWithoutModelCalls()
    {
        var recorder = new RecordingUNet();
        FloatTensor latent = Filled(0.3f);
        FloatTensor a = CommonKSampler.Sample(recorder, new LatentInput { Samples = latent },
            new KSamplerOptions { Denoise = 0 });
        FloatTensor b = CommonKSampler.Sample(recorder, new LatentInput { Samples = latent },
            new KSamplerOptions { StartStep = 20, Steps = 20 });
        Assert.That(a.Data, Is.EqualTo(latent.Data));
        Assert.That(b.Data, Is.EqualTo(latent.Data));
        Assert.That(recorder.Inputs, Is.Empty);
    }

    [Test]
    public void Sample_ZeroNoiseMask_KeepsInputLatent()
    {
        var toy = new GaussianToy(256, 0.5);
        FloatTensor latent = Filled(0.4f);
        var input = new LatentInput { Samples = latent, NoiseMask = new FloatTensor(1, 2, 2) };
        FloatTensor result = CommonKSampler.Sample(new GaussianUNet(toy, PredictionType.Epsilon), input,
            new KSamplerOptions { Steps = 8, Cfg = 1, Denoise = 0.7 });
        Assert.That(result.Data, Is.All.EqualTo(0.4f).Within(1e-5f));
    }

    [TestCase("euler")]
    [TestCase("ddim")]
    public void Sample_FullNoiseMask_EqualsUnmaskedRun(string sampler)
    {
        var model = new GaussianUNet(new GaussianToy(256, 0.5), PredictionType.Epsilon);
        var options = new KSamplerOptions { Steps = 6, Cfg = 1, SamplerName = sampler, Seed = 4 };
        var ones = new FloatTensor([1, 1, 8, 8], Enumerable.Repeat(1f, 64).ToArray());
        var input = new LatentInput { Samples = Empty().Samples, NoiseMask = ones };
        FloatTensor masked = CommonKSampler.Sample(model, input, options);
        FloatTensor plain = CommonKSampler.Sample(model, Empty(), options);
        Assert.That(masked.Data, Is.EqualTo(plain.Data).Within(1e-6f));
    }

    [Test]
    public void Sample_AncestralStepNoise_FollowsTheChosenGenerator()
    {
        var model = new GaussianUNet(new GaussianToy(256, 0.5), PredictionType.Epsilon);
        var options = new KSamplerOptions { Steps = 6, Cfg = 1, SamplerName = "euler_ancestral", Seed = 4 };
        FloatTensor philox = CommonKSampler.Sample(model, Empty(), options);
        FloatTensor philoxAgain = CommonKSampler.Sample(model, Empty(), options);
        FloatTensor cpu = CommonKSampler.Sample(model, Empty(), options with { StepNoise = RngKind.TorchCpu });
        Assert.That(philoxAgain.Data, Is.EqualTo(philox.Data));
        Assert.That(cpu.Data, Is.Not.EqualTo(philox.Data));
    }

    [Test]
    public void Sample_CancelledToken_ThrowsOperationCanceled()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        Assert.That(
            () => CommonKSampler.Sample(new RecordingUNet(), Empty(), new KSamplerOptions(), null, cancellation.Token),
            Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void Sample_InvalidOptions_ThrowsInvalidInputListingEveryProblem()
    {
        var options = new KSamplerOptions { Steps = 0, SamplerName = "euler_a", SchedulerName = "Karras" };
        Assert.That(() => CommonKSampler.Sample(new RecordingUNet(), Empty(), options),
            Throws.InstanceOf<InvalidInputException>()
                .With.Message.Contains("steps").And.Message.Contains("euler_a").And.Message.Contains("Karras"));
    }

    private static LatentInput Empty() => new() { Samples = new FloatTensor(s_shape) };

    private static FloatTensor Filled(float value) =>
        new((int[])s_shape.Clone(), Enumerable.Repeat(value, 256).ToArray());

    private sealed class RecordingUNet : IUNetModel
    {
        public PredictionType Prediction => PredictionType.Epsilon;

        public IModelSampling ModelSampling => ModelSamplingDiscrete.Default;

        public List<float[]> Inputs { get; } = [];

        public List<float> Timesteps { get; } = [];

        public void Predict(in UNetRequest request, Span<float> output)
        {
            Inputs.Add(request.Sample.ToArray());
            Timesteps.Add(request.Timestep);
            output.Clear();
        }
    }
}
