using OnnxDiffusion.Runtime.Sampling;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Runtime.Tests.Sampling;

/// <summary>
/// Analytic test problem: data x₀ ~ N(μᵢ, s²) independently per element. Then the ideal denoiser is
/// D(x, σ) = (s²·x + σ²·μ)/(s² + σ²), and the probability-flow ODE dx/dσ = (x − D)/σ has the exact solution
/// x(σ) = μ + (x_T − μ)·√((s² + σ²)/(s² + σ_T²)).
/// </summary>
internal sealed class GaussianToy : IDenoiser
{
    public GaussianToy(int length, double spread, int seed = 5)
    {
        Spread = spread;
        Mean = new double[length];
        var random = new Random(seed);
        for (int i = 0; i < length; i++)
        {
            Mean[i] = (random.NextDouble() * 2) - 1;
        }
    }

    public double[] Mean { get; }

    public double Spread { get; }

    public int Calls { get; private set; }

    public double Denoised(double x, int i, double sigma)
    {
        double s2 = Spread * Spread;
        return ((s2 * x) + (sigma * sigma * Mean[i])) / (s2 + (sigma * sigma));
    }

    public void Denoise(ReadOnlySpan<float> x, float sigma, Span<float> denoised)
    {
        Calls++;
        for (int i = 0; i < x.Length; i++)
        {
            denoised[i] = (float)Denoised(x[i], i, sigma);
        }
    }

    /// <summary>Exact ODE solution at σ from x_T at σ_T.</summary>
    public double OdeSolution(double xT, int i, double sigmaT, double sigma)
    {
        double s2 = Spread * Spread;
        return Mean[i] + ((xT - Mean[i]) * Math.Sqrt((s2 + (sigma * sigma)) / (s2 + (sigmaT * sigmaT))));
    }

    /// <summary>A start point at σ_T drawn from the exact marginal N(μ, s² + σ_T²) with a seeded Random.</summary>
    public float[] StartAt(double sigmaT, int seed)
    {
        var random = new Random(seed);
        var x = new float[Mean.Length];
        double scale = Math.Sqrt((Spread * Spread) + (sigmaT * sigmaT));
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(Mean[i] + (scale * Normal(random)));
        }

        return x;
    }

    public static double Normal(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}

/// <summary>
/// The same Gaussian problem as a UNet: it sees only the scaled input c_in·x and the integer timestep, recovers
/// σ = sigmas[t] from the model's table, and returns ε̂ or v̂ derived from the exact posterior mean.
/// Optionally a second mean for the negative conditioning.
/// </summary>
internal sealed class GaussianUNet : IUNetModel
{
    private readonly GaussianToy _positive;
    private readonly GaussianToy? _negative;

    public GaussianUNet(GaussianToy positive, PredictionType prediction, GaussianToy? negative = null)
    {
        _positive = positive;
        _negative = negative;
        Prediction = prediction;
    }

    public PredictionType Prediction { get; }

    public IModelSampling ModelSampling { get; } = ModelSamplingDiscrete.Default;

    public int Calls { get; private set; }

    public int NegativeCalls { get; private set; }

    public List<float> Timesteps { get; } = [];

    public void Predict(in UNetRequest request, Span<float> output)
    {
        Calls++;
        Timesteps.Add(request.Timestep);
        int n = request.Sample.Length;
        Fill(_positive, request, output[..n]);
        if (request.WithNegative)
        {
            NegativeCalls++;
            Fill(_negative ?? _positive, request, output.Slice(n, n));
        }
    }

    private void Fill(GaussianToy toy, in UNetRequest request, Span<float> output)
    {
        double sigma = ModelSampling.Sigmas[(int)request.Timestep];
        double root = Math.Sqrt((sigma * sigma) + 1);
        for (int i = 0; i < output.Length; i++)
        {
            double x = request.Sample[i] * root;
            double x0 = toy.Denoised(x, i, sigma);
            double eps = (x - x0) / sigma;
            output[i] = Prediction == PredictionType.Epsilon
                ? (float)eps
                : (float)((eps / root) - (sigma / root * x0)); // v = α·ε − σ_vp·x₀
        }
    }
}
