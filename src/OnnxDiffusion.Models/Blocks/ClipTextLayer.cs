using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Models.Blocks;

/// <summary>
/// One CLIP text encoder layer (<c>encoder.layers.N</c>, pre-LN): x += out_proj(causal-attention(layer_norm1(x)));
/// x += fc2(act(fc1(layer_norm2(x)))), act = quick_gelu x·σ(1.702x) (OpenAI CLIP) or exact GELU.
/// </summary>
internal static class ClipTextLayer
{
    /// <summary><paramref name="x"/> <c>[B, T, W]</c> → <c>[B, T, W]</c>.</summary>
    public static Value Build(GraphBuilder b, string module, Value x, long heads, long mlpWidth, string activation,
        float epsilon)
    {
        long width = x.Shape[2].Value;
        using (b.Scope(module))
        {
            Value h = b.LayerNorm(x, "layer_norm1", epsilon);                      // [B, T, W]
            using (b.Scope("self_attn"))
            {
                Value q = b.Linear(h, "q_proj", width);                            // [B, T, W]
                Value k = b.Linear(h, "k_proj", width);                            // [B, T, W]
                Value v = b.Linear(h, "v_proj", width);                            // [B, T, W]
                h = b.Attention(q, k, v, AttentionOptions.Heads(heads, causal: true));   // [B, T, W]
                h = b.Linear(h, "out_proj", width);                                // [B, T, W]
            }

            x = b.Add(x, h);                                                       // [B, T, W]
            h = b.LayerNorm(x, "layer_norm2", epsilon);                            // [B, T, W]
            using (b.Scope("mlp"))
            {
                h = b.Linear(h, "fc1", mlpWidth);                                  // [B, T, M]
                h = Activate(b, h, activation);                                    // [B, T, M]
                h = b.Linear(h, "fc2", width);                                     // [B, T, W]
            }

            return b.Add(x, h);                                                    // [B, T, W]
        }
    }

    private static Value Activate(GraphBuilder b, Value x, string activation) => activation switch
    {
        "quick_gelu" => b.Mul(x, b.Sigmoid(b.Mul(x, 1.702))),
        "gelu" => b.Gelu(x),
        _ => throw new NotSupportedException(
            $"CLIP activation '{activation}' is not supported; valid names: quick_gelu, gelu."),
    };
}
