using System.Numerics.Tensors;

namespace OnnxDiffusion.Runtime.Sampling.Samplers;

/// <summary>Shared step arithmetic of the k-diffusion samplers (float32 element math, like torch).</summary>
internal static class SamplerMath
{
    /// <summary>Karras ODE derivative d = (x − D)/σ (k-diffusion <c>to_d</c>); d may alias D.</summary>
    public static void ToDerivative(ReadOnlySpan<float> x, ReadOnlySpan<float> denoised, float sigma, Span<float> d)
    {
        TensorPrimitives.Subtract(x, denoised, d);
        TensorPrimitives.Divide(d, sigma, d);
    }

    /// <summary>x ← x + v·scale.</summary>
    public static void AddScaled(Span<float> x, ReadOnlySpan<float> v, float scale)
    {
        TensorPrimitives.MultiplyAdd(v, scale, x, x);
    }

    /// <summary>destination ← x + v·scale.</summary>
    public static void AddScaled(ReadOnlySpan<float> x, ReadOnlySpan<float> v, float scale, Span<float> destination)
    {
        TensorPrimitives.MultiplyAdd(v, scale, x, destination);
    }

    /// <summary>x ← a·x + b·v.</summary>
    public static void Combine(Span<float> x, float a, ReadOnlySpan<float> v, float b)
    {
        TensorPrimitives.Multiply(x, a, x);
        TensorPrimitives.MultiplyAdd(v, b, x, x);
    }

    /// <summary>
    /// Ancestral split with η = 1 (k-diffusion <c>get_ancestral_step</c>): σ_up = min(σ', √(σ'²(σ² − σ'²)/σ²)),
    /// σ_down = √(σ'² − σ_up²); stepping to σ_down and adding σ_up noise reaches σ' in distribution.
    /// </summary>
    public static (float Down, float Up) AncestralStep(float sigmaFrom, float sigmaTo)
    {
        float up = MathF.Min(sigmaTo, MathF.Sqrt(
            sigmaTo * sigmaTo * ((sigmaFrom * sigmaFrom) - (sigmaTo * sigmaTo)) / (sigmaFrom * sigmaFrom)));
        float down = MathF.Sqrt((sigmaTo * sigmaTo) - (up * up));
        return (down, up);
    }
}
