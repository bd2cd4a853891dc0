using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Models.Blocks;

/// <summary>
/// LDM timestep embedding: the sinusoidal features of <c>timestep_embedding</c> (half = dim/2,
/// freq_i = exp(−ln(10000)·i/half), [cos, sin] order, i.e. diffusers <c>flip_sin_to_cos=True</c>,
/// <c>freq_shift=0</c>) followed by <c>time_embed</c> = Linear(C → 4C), SiLU, Linear(4C → 4C).
/// </summary>
internal static class TimestepEmbedding
{
    /// <summary>Sinusoidal features of <paramref name="timesteps"/> <c>[B]</c> (float) → <c>[B, dim]</c>.</summary>
    public static Value Sinusoid(GraphBuilder b, Value timesteps, int dim)
    {
        int half = dim / 2;
        float[] freqs = new float[half];
        for (int i = 0; i < half; i++)
        {
            freqs[i] = (float)Math.Exp(-Math.Log(10000) * i / half);
        }

        Value args = b.Mul(b.Unsqueeze(timesteps, 1), b.ConstantFloat(freqs));      // [B, half]
        Value features = b.Concat(1, b.Cos(args), b.Sin(args));                    // [B, 2·half]
        if (dim % 2 == 1)
        {
            Value zeros = b.Mul(b.Slice(args, [0], [1], [1]), 0.0);                // [B, 1]
            features = b.Concat(1, features, zeros);                              // [B, dim]
        }

        return features;
    }

    /// <summary>
    /// <c>module</c> (<c>time_embed</c>): <c>[B, C]</c> → <c>[B, embedDim]</c>; weights <c>module.0.*</c> and
    /// <c>module.2.*</c>.
    /// </summary>
    public static Value Mlp(GraphBuilder b, string module, Value sinusoid, long embedDim)
    {
        using (b.Scope(module))
        {
            Value h = b.Linear(sinusoid, "0", embedDim);                           // [B, 4C]
            h = b.Silu(h);                                                         // [B, 4C]
            return b.Linear(h, "2", embedDim);                                     // [B, 4C]
        }
    }
}
