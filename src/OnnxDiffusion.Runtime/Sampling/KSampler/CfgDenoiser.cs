using System.Numerics.Tensors;

namespace OnnxDiffusion.Runtime.Sampling.KSampler;

/// <summary>
/// D(x, σ) from a UNet with classifier-free guidance (Ho and Salimans 2022), as ComfyUI's
/// <c>CFGGuider</c> → <c>sampling_function</c> → <c>BaseModel._apply_model</c> computes it:
/// <list type="number">
/// <item>model input c_in·x = x/√(σ²+1) and timestep t = timestep(σ) (an integer, passed as float);</item>
/// <item>one model call for positive and negative together, or positive only when cfg is 1
/// (<c>math.isclose</c>);</item>
/// <item>each prediction converted to a denoised estimate (EPS: x − σ·ε̂; V: x/(σ²+1) − v̂·σ/√(σ²+1));</item>
/// <item>D = D_neg + (D_pos − D_neg)·cfg, on the denoised predictions.</item>
/// </list>
/// Scratch buffers are allocated once in the constructor. Not thread-safe.
/// </summary>
public sealed class CfgDenoiser : IDenoiser
{
    private readonly IUNetModel _model;
    private readonly int[] _shape;
    private readonly float _cfg;
    private readonly bool _withNegative;
    private readonly float[] _input;
    private readonly float[] _output;

    /// <summary>Creates the denoiser for latents of <paramref name="latentShape"/> <c>[B, C, H, W]</c>.</summary>
    public CfgDenoiser(IUNetModel model, ReadOnlySpan<int> latentShape, double cfg)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _shape = latentShape.ToArray();
        int length = 1;
        foreach (int d in _shape)
        {
            length *= d;
        }

        _cfg = (float)cfg;
        _withNegative = !IsClose(cfg, 1.0);
        _input = new float[length];
        _output = new float[_withNegative ? 2 * length : length];
    }

    /// <summary>True when the negative conditioning is evaluated (cfg is not 1).</summary>
    public bool UsesNegative => _withNegative;

    /// <inheritdoc />
    public void Denoise(ReadOnlySpan<float> x, float sigma, Span<float> denoised)
    {
        int n = _input.Length;
        if (x.Length != n || denoised.Length != n)
        {
            throw new ArgumentException(
                $"Expected latents of {n} values, got x {x.Length}, denoised {denoised.Length}.");
        }

        TensorPrimitives.Divide(x, MathF.Sqrt((sigma * sigma) + 1f), _input);
        float timestep = _model.ModelSampling.Timestep(sigma);
        _model.Predict(new UNetRequest(_input, _shape, timestep, _withNegative), _output);
        ToDenoised(_model.Prediction, x, sigma, _output.AsSpan(0, n), denoised);
        if (_withNegative)
        {
            Span<float> negative = _output.AsSpan(n, n);
            ToDenoised(_model.Prediction, x, sigma, negative, negative);
            // uncond + (cond − uncond)·cfg
            TensorPrimitives.Subtract(denoised, negative, denoised);
            TensorPrimitives.MultiplyAdd(denoised, _cfg, negative, denoised);
        }
    }

    /// <summary>
    /// Converts a model output to a denoised estimate (ComfyUI <c>calculate_denoised</c>, σ_data = 1);
    /// <paramref name="denoised"/> may alias <paramref name="output"/>.
    /// </summary>
    public static void ToDenoised(
        PredictionType prediction, ReadOnlySpan<float> x, float sigma, ReadOnlySpan<float> output, Span<float> denoised)
    {
        if (prediction == PredictionType.Epsilon)
        {
            TensorPrimitives.MultiplyAdd(output, -sigma, x, denoised);
            return;
        }

        float variance = (sigma * sigma) + 1f;
        float outputScale = sigma / MathF.Sqrt(variance);
        TensorPrimitives.Multiply(output, -outputScale, denoised);
        TensorPrimitives.MultiplyAdd(x, 1f / variance, denoised, denoised);
    }

    /// <summary>Python <c>math.isclose</c> with the default relative tolerance 1e-9.</summary>
    internal static bool IsClose(double a, double b) =>
        Math.Abs(a - b) <= 1e-9 * Math.Max(Math.Abs(a), Math.Abs(b));
}
