using OnnxDiffusion.Runtime.Sampling;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Runtime.Tests.Sampling.KSampler;

[Category("Unit")]
public sealed class CfgDenoiserTests
{
    private static readonly int[] s_shape = [1, 4, 4, 4];

    [TestCase(PredictionType.Epsilon)]
    [TestCase(PredictionType.VPrediction)]
    public void Denoise_GridSigma_ReturnsExactPosteriorMean(PredictionType prediction)
    {
        var toy = new GaussianToy(64, 0.5);
        var denoiser = new CfgDenoiser(new GaussianUNet(toy, prediction), s_shape, cfg: 1.0);
        float sigma = ModelSamplingDiscrete.Default.Sigmas[640];
        float[] x = toy.StartAt(sigma, seed: 2);
        var denoised = new float[64];
        denoiser.Denoise(x, sigma, denoised);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.That(denoised[i], Is.EqualTo(toy.Denoised(x[i], i, sigma)).Within(2e-5), $"element {i}");
        }
    }

    [Test]
    public void Denoise_CfgAboveOne_ExtrapolatesDenoisedPredictions()
    {
        var positive = new GaussianToy(64, 0.5, seed: 1);
        var negative = new GaussianToy(64, 0.8, seed: 2);
        var model = new GaussianUNet(positive, PredictionType.Epsilon, negative);
        var denoiser = new CfgDenoiser(model, s_shape, cfg: 7.5);
        float sigma = ModelSamplingDiscrete.Default.Sigmas[300];
        float[] x = positive.StartAt(sigma, seed: 3);
        var denoised = new float[64];
        denoiser.Denoise(x, sigma, denoised);
        Assert.That(model.Calls, Is.EqualTo(1), "cond and uncond must share one model call");
        for (int i = 0; i < x.Length; i++)
        {
            double dPos = positive.Denoised(x[i], i, sigma);
            double dNeg = negative.Denoised(x[i], i, sigma);
            Assert.That(denoised[i], Is.EqualTo(dNeg + ((dPos - dNeg) * 7.5)).Within(1e-4), $"element {i}");
        }
    }

    [TestCase(1.0, false)]
    [TestCase(1.0 + 1e-12, false)]
    [TestCase(1.01, true)]
    [TestCase(0.0, true)]
    public void Denoise_CfgOne_SkipsNegativePrediction(double cfg, bool usesNegative)
    {
        var toy = new GaussianToy(64, 0.5);
        var model = new GaussianUNet(toy, PredictionType.Epsilon);
        var denoiser = new CfgDenoiser(model, s_shape, cfg);
        denoiser.Denoise(new float[64], 2f, new float[64]);
        Assert.That(denoiser.UsesNegative, Is.EqualTo(usesNegative));
        Assert.That(model.NegativeCalls, Is.EqualTo(usesNegative ? 1 : 0));
    }

    [Test]
    public void Denoise_OffGridSigma_PassesNearestIntegerTimestepAndScaledInput()
    {
        var recorder = new RecordingUNet();
        var denoiser = new CfgDenoiser(recorder, s_shape, cfg: 1.0);
        float sigma = 3.3f;
        var x = new float[64];
        x.AsSpan().Fill(2f);
        denoiser.Denoise(x, sigma, new float[64]);
        float expectedT = ModelSamplingDiscrete.Default.Timestep(sigma);
        Assert.That(recorder.Timestep, Is.EqualTo(expectedT));
        Assert.That(recorder.Timestep, Is.EqualTo(MathF.Round(recorder.Timestep)));
        Assert.That(recorder.FirstInput, Is.EqualTo(2f / MathF.Sqrt((sigma * sigma) + 1)).Within(1e-6f));
        Assert.That(recorder.Shape, Is.EqualTo(s_shape));
    }

    private sealed class RecordingUNet : IUNetModel
    {
        public PredictionType Prediction => PredictionType.Epsilon;

        public IModelSampling ModelSampling => ModelSamplingDiscrete.Default;

        public float Timestep { get; private set; }

        public float FirstInput { get; private set; }

        public int[] Shape { get; private set; } = [];

        public void Predict(in UNetRequest request, Span<float> output)
        {
            Timestep = request.Timestep;
            FirstInput = request.Sample[0];
            Shape = request.Shape.ToArray();
            output.Clear();
        }
    }
}
