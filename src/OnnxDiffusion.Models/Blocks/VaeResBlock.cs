using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Models.Blocks;

/// <summary>
/// AutoencoderKL ResnetBlock (no time embedding): norm1 (GroupNorm eps 1e-6), SiLU, conv1, norm2, SiLU, conv2,
/// residual through <c>nin_shortcut</c> (1×1 conv) when the channel count changes.
/// </summary>
internal static class VaeResBlock
{
    /// <summary>GroupNorm epsilon of every VAE norm.</summary>
    public const float NormEpsilon = 1e-6f;

    /// <summary><paramref name="x"/> <c>[B, C, H, W]</c> → <c>[B, outChannels, H, W]</c>.</summary>
    public static Value Build(GraphBuilder b, string module, Value x, long outChannels, long groups)
    {
        long channels = x.Shape[1].Value;
        using (b.Scope(module))
        {
            Value h = b.Silu(b.GroupNorm(x, "norm1", groups, NormEpsilon));        // [B, C, H, W]
            h = b.Conv2d(h, "conv1", outChannels, 3, padding: 1);                  // [B, out, H, W]
            h = b.Silu(b.GroupNorm(h, "norm2", groups, NormEpsilon));              // [B, out, H, W]
            h = b.Conv2d(h, "conv2", outChannels, 3, padding: 1);                  // [B, out, H, W]
            Value skip = channels == outChannels
                ? x                                                                // [B, out, H, W]
                : b.Conv2d(x, "nin_shortcut", outChannels, 1);                     // [B, out, H, W]
            return b.Add(skip, h);                                                 // [B, out, H, W]
        }
    }
}
