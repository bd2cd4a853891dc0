using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Models.Blocks;

/// <summary>
/// LDM GEGLU feed-forward: <c>net.0.proj</c> (Linear C → 2·inner, inner = 4C) whose first half is the value and
/// second half the gate, value·GELU(gate) with exact GELU, then <c>net.2</c> (Linear inner → C). Emitted as two
/// Linears over row slices of the one checkpoint weight, no Split (runtime-notes Part 3.5: Split costs ~6%; ORT
/// folds the weight slices at load).
/// </summary>
internal static class FeedForward
{
    /// <summary><paramref name="x"/> <c>[B, T, C]</c> → <c>[B, T, C]</c>.</summary>
    public static Value Build(GraphBuilder b, string module, Value x)
    {
        long channels = x.Shape[^1].Value, inner = 4 * channels;
        using (b.Scope(module))
        {
            Value value, gate;
            using (b.Scope("net.0.proj"))
            {
                Value weight = b.Parameter("weight", 2 * inner, channels);         // [2·inner, C]
                Value bias = b.Parameter("bias", 2 * inner);                       // [2·inner]
                Value valueW = b.Slice(weight, [0], [inner], [0]);                 // [inner, C]
                Value gateW = b.Slice(weight, [inner], [2 * inner], [0]);          // [inner, C]
                Value valueB = b.Slice(bias, [0], [inner], [0]);                   // [inner]
                Value gateB = b.Slice(bias, [inner], [2 * inner], [0]);            // [inner]
                value = b.Linear(x, valueW, valueB);                               // [B, T, inner]
                gate = b.Linear(x, gateW, gateB);                                  // [B, T, inner]
            }

            Value h = b.Mul(value, b.Gelu(gate));                                  // [B, T, inner]
            return b.Linear(h, "net.2", channels);                                 // [B, T, C]
        }
    }
}
