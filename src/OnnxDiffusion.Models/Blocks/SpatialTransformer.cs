using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Models.Blocks;

/// <summary>
/// LDM SpatialTransformer: GroupNorm (eps 1e-6) → <c>proj_in</c> (1×1 conv for SD1, Linear on tokens when
/// <c>use_linear_in_transformer</c>) → <c>transformer_blocks.N</c> → <c>proj_out</c> → + input.
/// </summary>
internal static class SpatialTransformer
{
    /// <summary>GroupNorm epsilon (LDM <c>Normalize</c>).</summary>
    public const float NormEpsilon = 1e-6f;

    /// <summary>
    /// <paramref name="x"/> <c>[B, C, H, W]</c>, <paramref name="context"/> <c>[B, S, ctx]</c> → <c>[B, C, H, W]</c>.
    /// </summary>
    public static Value Build(GraphBuilder b, string module, Value x, Value context, SpatialTransformerOptions options)
    {
        long channels = x.Shape[1].Value;
        using (b.Scope(module))
        {
            Value h = b.GroupNorm(x, "norm", options.Groups, NormEpsilon);         // [B, C, H, W]
            Value tokens;
            if (options.UseLinearProjection)
            {
                tokens = ToTokens(b, h, channels);                                 // [B, HW, C]
                tokens = b.Linear(tokens, "proj_in", channels);                    // [B, HW, C]
            }
            else
            {
                h = b.Conv2d(h, "proj_in", channels, 1);                           // [B, C, H, W]
                tokens = ToTokens(b, h, channels);                                 // [B, HW, C]
            }

            for (int d = 0; d < options.Depth; d++)
            {
                tokens = BasicTransformerBlock.Build(b, $"transformer_blocks.{d}", tokens, context, options.Heads,
                    options.SelfAttention);                                        // [B, HW, C]
            }

            Value output;
            if (options.UseLinearProjection)
            {
                tokens = b.Linear(tokens, "proj_out", channels);                   // [B, HW, C]
                output = ToImage(b, tokens, x);                                    // [B, C, H, W]
            }
            else
            {
                output = b.Conv2d(ToImage(b, tokens, x), "proj_out", channels, 1); // [B, C, H, W]
            }

            return b.Add(output, x);                                               // [B, C, H, W]
        }
    }

    /// <summary><c>[B, C, H, W]</c> → <c>[B, H·W, C]</c>.</summary>
    public static Value ToTokens(GraphBuilder b, Value image, long channels) =>
        b.Transpose(b.Reshape(image, 0, channels, -1), 0, 2, 1);

    /// <summary><c>[B, H·W, C]</c> → the shape of <paramref name="like"/> <c>[B, C, H, W]</c>.</summary>
    public static Value ToImage(GraphBuilder b, Value tokens, Value like) =>
        b.Reshape(b.Transpose(tokens, 0, 2, 1), b.Shape(like));
}
