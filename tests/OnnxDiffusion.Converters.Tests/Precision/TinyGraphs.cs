using System.Diagnostics.CodeAnalysis;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Converters.Tests.Precision;

/// <summary>A tiny fp32 graph of the zoo with a generator of seeded inputs.</summary>
internal sealed record TinyGraph(string Name, Func<OnnxModel> Build, Func<int, Dictionary<string, Tensor>> Inputs)
{
    public override string ToString() => Name;

    /// <summary>Calibration samples (seeds 100..100+n), disjoint from the evaluation seed.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, Tensor>> Samples(int count) =>
        Enumerable.Range(100, count).Select(s => (IReadOnlyDictionary<string, Tensor>)Inputs(s)).ToArray();
}

/// <summary>
/// The zoo of tiny SD-shaped graphs built with the DSL: a conv stack (GroupNorm/SiLU/resize, first and last conv),
/// linear layers in all three forms (Linear on 3-D = MatMul(Transpose(W)), Linear on 2-D = Gemm(transB), MatMul
/// with a [K, N] initializer), and a transformer-ish block with a sinusoidal time embedding, self-attention from
/// MatMul/Softmax, Attention-23 cross-attention, LayerNorms and a GELU feed-forward.
/// </summary>
internal static class TinyGraphs
{
    public static TinyGraph ConvStack { get; } = new("conv-stack", BuildConvStack, seed => new()
    {
        ["x"] = Random(seed, 1, 4, 8, 8),
    });

    public static TinyGraph Linear { get; } = new("linear", BuildLinear, seed => new()
    {
        ["x"] = Random(seed, 1, 6, 32),
        ["v"] = Random(seed + 7, 3, 32),
    });

    public static TinyGraph Transformer { get; } = new("transformer", BuildTransformer, seed => new()
    {
        ["tokens"] = Random(seed, 1, 16, 32),
        ["context"] = Random(seed + 3, 1, 5, 24),
        ["t"] = Tensor.Of([(float)(new Random(seed).Next(1, 1000))], 1),
    });

    public static IReadOnlyList<TinyGraph> All { get; } = [ConvStack, Linear, Transformer];

    public static Tensor Random(int seed, params long[] shape)
    {
        var random = new Random(seed);
        var values = new float[shape.Aggregate(1L, (a, d) => a * d)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return new Tensor(values, shape);
    }

    private static OnnxModel BuildConvStack()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 1, 4, 8, 8);
        Value h = b.Conv2d(x, "conv_in", 8, 3, padding: 1);                          // [1, 8, 8, 8]
        using (b.Scope("block"))
        {
            Value t = b.Silu(b.GroupNorm(h, "norm", groups: 4));                    // [1, 8, 8, 8]
            t = b.Conv2d(t, "conv1", 8, 3, padding: 1);                             // [1, 8, 8, 8]
            h = b.Add(h, t);
        }

        h = b.Conv2d(h, "down", 8, 3, stride: 2, padding: 1);                        // [1, 8, 4, 4]
        h = b.ResizeNearest(h, [1, 1, 2, 2]);                                        // [1, 8, 8, 8]
        h = b.Conv2d(h, "proj", 8, 1);                                               // [1, 8, 8, 8]
        h = b.Conv2d(b.Silu(h), "conv_out", 4, 3, padding: 1);                       // [1, 4, 8, 8]
        b.Output(h, "y");
        return b.Build(new TinyWeights(1));
    }

    private static OnnxModel BuildLinear()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 1, 6, 32);
        Value v = b.Input("v", ElementType.Float, 3, 32);
        Value h = b.Gelu(b.Linear(x, "fc1", 64));                                    // [1, 6, 64]
        h = b.Add(b.Linear(h, "fc2", 32), x);                                        // [1, 6, 32]
        h = b.MatMul(h, b.Parameter("proj.weight_kn", 32, 32));                      // [1, 6, 32]
        b.Output(h, "y");
        b.Output(b.Linear(v, "head", 16), "z");                                      // [3, 16]
        return b.Build(new TinyWeights(2));
    }

    private static OnnxModel BuildTransformer()
    {
        var b = new GraphBuilder();
        Value tokens = b.Input("tokens", ElementType.Float, 1, 16, 32);
        Value context = b.Input("context", ElementType.Float, 1, 5, 24);
        Value t = b.Input("t", ElementType.Float, 1);
        Value temb = TimeEmbedding(b, t);                                           // [1, 1, 32]
        Value h = b.Add(tokens, temb);                                              // [1, 16, 32]
        using (b.Scope("attn1"))
        {
            Value n = b.LayerNorm(h, "norm");
            h = b.Add(h, b.Linear(SelfAttention(b, n), "to_out", 32));
        }

        using (b.Scope("attn2"))
        {
            Value n = b.LayerNorm(h, "norm");
            Value q = b.Linear(n, "to_q", 32, bias: false);
            Value k = b.Linear(context, "to_k", 32, bias: false);
            Value val = b.Linear(context, "to_v", 32, bias: false);
            h = b.Add(h, b.Linear(b.Attention(q, k, val, AttentionOptions.Heads(2)), "to_out", 32));
        }

        using (b.Scope("ff"))
        {
            Value n = b.LayerNorm(h, "norm");
            h = b.Add(h, b.Linear(b.Gelu(b.Linear(n, "proj", 64)), "out", 32));
        }

        b.Output(h, "y");
        return b.Build(new TinyWeights(3));
    }

    private static Value TimeEmbedding(GraphBuilder b, Value t)
    {
        float[] freqs = Enumerable.Range(0, 8).Select(i => MathF.Exp(-MathF.Log(10000f) * i / 8)).ToArray();
        using (b.Scope("time_embed"))
        {
            Value args = b.Mul(b.Unsqueeze(t, 1), b.ConstantFloat(freqs, [8]));      // [1, 8]
            Value e = b.Concat(-1, b.Sin(args), b.Cos(args));                       // [1, 16]
            e = b.Linear(b.Silu(b.Linear(e, "0", 32)), "2", 32);                    // [1, 32]
            return b.Unsqueeze(e, 1);                                               // [1, 1, 32]
        }
    }

    private static Value SelfAttention(GraphBuilder b, Value n)
    {
        Value Heads(Value v) => b.Transpose(b.Reshape(v, 1, 16, 2, 16), 0, 2, 1, 3);   // [1, 2, 16, 16]
        Value q = Heads(b.Linear(n, "to_q", 32, bias: false));
        Value k = Heads(b.Linear(n, "to_k", 32, bias: false));
        Value v = Heads(b.Linear(n, "to_v", 32, bias: false));
        Value scores = b.Mul(b.MatMul(q, b.Transpose(k, 0, 1, 3, 2)), 0.25);         // [1, 2, 16, 16]
        Value o = b.MatMul(b.Softmax(scores, -1), v);                                // [1, 2, 16, 16]
        return b.Reshape(b.Transpose(o, 0, 2, 1, 3), 1, 16, 32);                     // [1, 16, 32]
    }
}

/// <summary>
/// Seeded weights with Xavier-like scale (uniform ±sqrt(3 / fan_in)), norm scales near 1 and small biases, so
/// activations stay O(1) through the tiny graphs like they do in trained models.
/// </summary>
internal sealed class TinyWeights(int seed) : IInitializerSource
{
    public bool TryGet(ParameterSpec spec, [NotNullWhen(true)] out IInitializerData? data)
    {
        var random = new Random(SeedOf(spec.Key));
        var values = new float[spec.ElementCount];
        bool norm = spec.Key.Contains("norm", StringComparison.Ordinal);
        double fanIn = spec.Shape.Length >= 2 ? spec.Shape.Skip(1).Aggregate(1L, (a, d) => a * d) : 1;
        if (spec.Key.EndsWith("weight_kn", StringComparison.Ordinal))
        {
            fanIn = spec.Shape[0];
        }

        double scale = spec.Shape.Length >= 2 ? Math.Sqrt(3 / fanIn) : 0.1;
        for (int i = 0; i < values.Length; i++)
        {
            double u = (random.NextDouble() * 2) - 1;
            bool normScale = norm && spec.Key.EndsWith(".weight", StringComparison.Ordinal);
            values[i] = (float)(normScale ? 1 + (0.1 * u) : scale * u);
        }

        data = InitializerData.FromFloats(values, spec.Shape);
        return true;
    }

    private int SeedOf(string key)
    {
        int hash = seed;
        foreach (char c in key)
        {
            hash = unchecked((hash * 31) + c);
        }

        return hash & 0x7FFFFFFF;
    }
}
