using OnnxDiffusion.Converters.Precision.Calibration;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Passes;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Converters.Tests.Precision;

/// <summary>Shared helpers: calibration over the zoo, error measures and op counting.</summary>
internal static class PrecisionTestKit
{
    /// <summary>Evaluation seed (calibration uses 100+).</summary>
    public const int EvalSeed = 1;

    /// <summary>Statistics for every float activation of <paramref name="graph"/> over 32 calibration
    /// samples.</summary>
    public static ActivationStatistics Calibrate(TinyGraph graph, OnnxModel model, int samples = 32)
    {
        IReadOnlyDictionary<string, ElementType> types = ValueTypes.Infer(model);
        string[] tensors = types.Where(t => t.Value == ElementType.Float && !model.Initializers.ContainsKey(t.Key))
            .Select(t => t.Key).ToArray();
        return CalibrationRunner.Collect(model, new OrtActivationProbe(graph.Samples(samples)), tensors);
    }

    /// <summary>max |actual − expected| / max |expected| over all outputs.</summary>
    public static double RelativeError(Dictionary<string, float[]> expected, Dictionary<string, float[]> actual)
    {
        double worst = 0;
        foreach ((string name, float[] reference) in expected)
        {
            Assert.That(actual, Contains.Key(name));
            float[] values = actual[name];
            Assert.That(values, Has.Length.EqualTo(reference.Length), name);
            double scale = reference.Max(v => Math.Abs((double)v));
            double diff = 0;
            for (int i = 0; i < values.Length; i++)
            {
                double d = double.IsFinite(values[i])
                    ? Math.Abs(values[i] - (double)reference[i])
                    : double.PositiveInfinity;
                diff = Math.Max(diff, d);
            }

            worst = Math.Max(worst, diff / Math.Max(scale, 1e-12));
        }

        return worst;
    }

    /// <summary>Count of nodes per <c>domain:op</c> (empty domain written as the op alone).</summary>
    public static Dictionary<string, int> OpCounts(IEnumerable<NodeProto> nodes) => nodes
        .GroupBy(n => n.Domain is "" or "ai.onnx" ? n.OpType : n.Domain + ":" + n.OpType)
        .ToDictionary(g => g.Key, g => g.Count());

    public static int Count(OnnxModel model, string op) => OpCounts(model.Graph.Node).GetValueOrDefault(op);
}
