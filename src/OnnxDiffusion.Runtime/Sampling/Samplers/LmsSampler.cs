using System.Numerics.Tensors;

namespace OnnxDiffusion.Runtime.Sampling.Samplers;

/// <summary>
/// Linear multistep of order 4 on the Karras ODE (k-diffusion / ComfyUI <c>sample_lms</c>): x ← x + Σⱼ cⱼ·d_{i−j},
/// where cⱼ is the integral from σᵢ to σᵢ₊₁ of the Lagrange basis polynomial of σ_{i−j} over the last
/// min(i + 1, 4) σ values. ComfyUI integrates numerically (scipy quad); the basis is a cubic at most, so the
/// Gauss–Legendre rule used here is exact. The last step (σ' = 0) returns D.
/// </summary>
public sealed class LmsSampler : ISampler
{
    private const int Order = 4;

    // 3-point Gauss–Legendre rule on [-1, 1]: exact for polynomials up to degree 5.
    private static readonly double[] s_nodes = [-0.7745966692414834, 0.0, 0.7745966692414834];
    private static readonly double[] s_weights = [5.0 / 9.0, 8.0 / 9.0, 5.0 / 9.0];

    /// <inheritdoc />
    public string Name => SamplerNames.Lms;

    /// <inheritdoc />
    public SamplerTraits Traits => SamplerTraits.None;

    /// <inheritdoc />
    public void Sample(SamplingContext context, Span<float> x)
    {
        ArgumentNullException.ThrowIfNull(context);
        ReadOnlySpan<float> sigmas = context.Sigmas;
        using var scratch = new ScratchBuffers(x.Length, Order + 1);
        Span<float> denoised = scratch[Order];
        Span<double> coefficients = stackalloc double[Order];
        for (int i = 0; i < sigmas.Length - 1; i++)
        {
            context.Denoise(x, sigmas[i], denoised);
            Span<float> d = scratch[i % Order]; // ring: slot i % 4 holds d_i
            SamplerMath.ToDerivative(x, denoised, sigmas[i], d);
            context.Report(i, x, denoised);
            if (sigmas[i + 1] == 0)
            {
                denoised.CopyTo(x);
                continue;
            }

            int order = Math.Min(i + 1, Order);
            for (int j = 0; j < order; j++)
            {
                coefficients[j] = Coefficient(sigmas, order, i, j);
            }

            // Sum the newest first (ComfyUI zips the coefficients with reversed(ds)), then add to x.
            Span<float> sum = denoised;
            sum.Clear();
            for (int j = 0; j < order; j++)
            {
                SamplerMath.AddScaled(sum, scratch[(i - j) % Order], (float)coefficients[j]);
            }

            TensorPrimitives.Add(x, sum, x);
        }
    }

    /// <summary>
    /// ∫ from σᵢ to σᵢ₊₁ of Π_{k≠j} (τ − σ_{i−k})/(σ_{i−j} − σ_{i−k}) dτ (k-diffusion linear_multistep_coeff).
    /// </summary>
    internal static double Coefficient(ReadOnlySpan<float> sigmas, int order, int i, int j)
    {
        double a = sigmas[i];
        double b = sigmas[i + 1];
        double half = 0.5 * (b - a);
        double total = 0;
        for (int q = 0; q < s_nodes.Length; q++)
        {
            double tau = a + (half * (s_nodes[q] + 1.0));
            double product = 1.0;
            for (int k = 0; k < order; k++)
            {
                if (k != j)
                {
                    product *= (tau - sigmas[i - k]) / ((double)sigmas[i - j] - sigmas[i - k]);
                }
            }

            total += s_weights[q] * product;
        }

        return total * half;
    }
}
