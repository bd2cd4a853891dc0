using Microsoft.ML.OnnxRuntime;
using OnnxDiffusion.Graph.Autodiff;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Graph.Tests.Autodiff;

/// <summary>One input of a gradient check: float data (differentiated unless marked constant), or int64/bool data.</summary>
internal sealed record GradArg(Array Data, long[] Shape, bool Differentiable)
{
    /// <summary>Dims declared as named dynamic axes instead of fixed sizes (exercises the run-time shape paths).</summary>
    public int[] SymbolicAxes { get; init; } = [];

    /// <summary>This input with <paramref name="axes"/> declared as named dynamic axes.</summary>
    public GradArg Dyn(params int[] axes) => this with { SymbolicAxes = axes };

    /// <summary>Uniform values in [-1, 1) (seeded), differentiated.</summary>
    public static GradArg F(int seed, params long[] shape) => new(Uniform(seed, shape, -1, 1), shape, true);

    /// <summary>Uniform values in [lo, hi) (e.g. positive for Sqrt, Log, Pow).</summary>
    public static GradArg Range(int seed, double lo, double hi, params long[] shape) =>
        new(Uniform(seed, shape, lo, hi), shape, true);

    /// <summary>Float values that are fed but not differentiated.</summary>
    public static GradArg Constant(int seed, params long[] shape) => new(Uniform(seed, shape, -1, 1), shape, false);

    /// <summary>Int64 data (indices).</summary>
    public static GradArg Ints(long[] values, params long[] shape) => new(values, shape, false);

    /// <summary>Bool data (conditions).</summary>
    public static GradArg Bools(bool[] values, params long[] shape) => new(values, shape, false);

    private static double[] Uniform(int seed, long[] shape, double lo, double hi)
    {
        var random = new Random(seed);
        var values = new double[(int)Naive.Count(shape)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = lo + (random.NextDouble() * (hi - lo));
        }

        return values;
    }
}

/// <summary>
/// The one shared finite-difference check of gradient rules. Builds <c>loss = Σⱼ Σ (opⱼ(inputs) ⊙ rⱼ)</c> with
/// random projections rⱼ (graph inputs, so every output element gets a different seed gradient), emits the gradient
/// of the loss with respect to every differentiable input through <see cref="GradientBuilder"/>, runs the model on
/// ORT CPU, and compares ⟨gradient, u⟩ with the central difference (L(x + h·u) − L(x − h·u)) / 2h along random
/// directions u. Float64 models use a small step and a tight tolerance; float32 models (ops without a double
/// kernel on ORT CPU) a larger step and tolerance.
/// </summary>
internal static class GradientCheck
{
    private const int Directions = 3;

    public static void Check(ElementType type, Func<GraphBuilder, Value[], Value> op, params GradArg[] args) =>
        CheckMany(type, (b, v) => [op(b, v)], args);

    public static void CheckMany(ElementType type, Func<GraphBuilder, Value[], Value[]> op, params GradArg[] args)
    {
        long[][] outputShapes = OutputShapes(type, op, args);
        OnnxModel model = BuildLossModel(type, op, args, outputShapes);
        using InferenceSession session = OrtRunner.CreateSession(model);
        var projections = outputShapes.Select((s, j) => GradArg.F(1000 + j, s)).ToArray();
        var feed = Feed(type, args, projections, null, 0, 0);
        Dictionary<string, TestTensor> at = OrtRunner.Run(session, feed);
        double step = type == ElementType.Double ? 1e-6 : 1e-2;
        double tolerance = type == ElementType.Double ? 1e-6 : 1e-2;
        var random = new Random(77);
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].Differentiable)
            {
                continue;
            }

            double[] gradient = ToDoubles(at[$"grad{i}"].Data);
            Assert.That(gradient, Has.Length.EqualTo(args[i].Data.Length), $"gradient {i} size");
            for (int d = 0; d < Directions; d++)
            {
                double[] u = Enumerable.Range(0, gradient.Length).Select(_ => (random.NextDouble() * 2) - 1).ToArray();
                double analytic = gradient.Zip(u, (g, x) => g * x).Sum();
                double plus = Loss(session, Feed(type, args, projections, u, i, step));
                double minus = Loss(session, Feed(type, args, projections, u, i, -step));
                double numeric = (plus - minus) / (2 * step);
                double scale = Math.Max(Math.Max(Math.Abs(numeric), Math.Abs(analytic)), 1e-3);
                Assert.That(Math.Abs(numeric - analytic) / scale, Is.LessThanOrEqualTo(tolerance),
                    $"input {i}, direction {d}: analytic ⟨∇L, u⟩ = {analytic:R}, central difference = {numeric:R} " +
                    $"(step {step}, {type})");
            }
        }
    }

    /// <summary>Runs the op alone once to learn its output shapes (the projections are shaped like them).</summary>
    private static long[][] OutputShapes(ElementType type, Func<GraphBuilder, Value[], Value[]> op, GradArg[] args)
    {
        var b = new GraphBuilder();
        Value[] outputs = op(b, Inputs(b, type, args));
        for (int j = 0; j < outputs.Length; j++)
        {
            b.Output(outputs[j], $"y{j}");
        }

        Dictionary<string, TestTensor> result = OrtRunner.Run(b.Build(new SeededRandomInitializerSource(1)),
            Feed(type, args, [], null, 0, 0));
        return Enumerable.Range(0, outputs.Length).Select(j => result[$"y{j}"].Shape).ToArray();
    }

    private static OnnxModel BuildLossModel(ElementType type, Func<GraphBuilder, Value[], Value[]> op, GradArg[] args,
        long[][] outputShapes)
    {
        var b = new GraphBuilder();
        Value[] inputs = Inputs(b, type, args);
        Value[] outputs = op(b, inputs);
        Value? loss = null;
        for (int j = 0; j < outputs.Length; j++)
        {
            Value r = b.Input($"r{j}", type, outputShapes[j].Select(d => (Dim)d).ToArray());
            Value term = b.Mul(outputs[j], r);
            if (term.Rank > 0)
            {
                term = b.ReduceSum(term, Enumerable.Range(0, term.Rank).Select(a => (long)a).ToArray(), false);
            }

            loss = loss is null ? term : b.Add(loss, term);
        }

        b.Output(loss!, "loss");
        int[] wrt = Enumerable.Range(0, args.Length).Where(i => args[i].Differentiable).ToArray();
        Value[] gradients = b.Gradients(loss!, wrt.Select(i => inputs[i]).ToArray());
        for (int k = 0; k < wrt.Length; k++)
        {
            b.Output(gradients[k], $"grad{wrt[k]}");
        }

        return b.Build(new SeededRandomInitializerSource(1));
    }

    private static Value[] Inputs(GraphBuilder b, ElementType type, GradArg[] args) => args.Select((a, i) =>
        b.Input($"in{i}", a.Data switch
        {
            double[] => type,
            long[] => ElementType.Int64,
            bool[] => ElementType.Bool,
            _ => throw new NotSupportedException(),
        }, a.Shape.Select((d, k) => a.SymbolicAxes.Contains(k) ? Dim.Named($"in{i}_d{k}") : (Dim)d).ToArray()))
        .ToArray();

    /// <summary>Inputs with input <paramref name="moved"/> displaced by <paramref name="step"/>·u.</summary>
    private static (string, TestTensor)[] Feed(ElementType type, GradArg[] args, GradArg[] projections, double[]? u,
        int moved, double step)
    {
        var feed = new List<(string, TestTensor)>();
        for (int i = 0; i < args.Length; i++)
        {
            Array data = args[i].Data;
            if (data is double[] values)
            {
                double[] shifted = u is null || i != moved
                    ? values
                    : values.Select((v, k) => v + (step * u[k])).ToArray();
                data = type == ElementType.Double ? shifted : shifted.Select(v => (float)v).ToArray();
            }

            feed.Add(($"in{i}", new TestTensor(data, args[i].Shape)));
        }

        for (int j = 0; j < projections.Length; j++)
        {
            double[] r = (double[])projections[j].Data;
            feed.Add(($"r{j}", new TestTensor(
                type == ElementType.Double ? r : r.Select(v => (float)v).ToArray(), projections[j].Shape)));
        }

        return [.. feed];
    }

    private static double Loss(InferenceSession session, (string, TestTensor)[] feed) =>
        ToDoubles(OrtRunner.Run(session, feed)["loss"].Data)[0];

    private static double[] ToDoubles(Array data) => data switch
    {
        double[] d => d,
        float[] f => f.Select(v => (double)v).ToArray(),
        _ => throw new NotSupportedException(data.GetType().Name),
    };
}
