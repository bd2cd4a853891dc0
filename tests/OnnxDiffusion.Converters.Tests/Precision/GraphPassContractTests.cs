using OnnxDiffusion.Converters.Precision;
using OnnxDiffusion.Converters.Precision.Calibration;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Passes;

namespace OnnxDiffusion.Converters.Tests.Precision;

/// <summary>
/// STYLE.md contract: every registered pass, applied alone to every tiny graph of the zoo, keeps the graph valid
/// for ORT and numerically equivalent to the fp32 graph within its precision's tolerance (max error relative to
/// max |reference| over all outputs, on an input disjoint from the calibration samples). A pass must change at
/// least one zoo graph, so the check cannot pass vacuously.
/// </summary>
[Category("Integration")]
public sealed class GraphPassContractTests
{
    // Tolerances per pipeline: fp16 ~1e-2 relative (issue), int8/int4 a few quantization steps.
    private static readonly Dictionary<string, double> s_tolerance = new()
    {
        ["fp16"] = 1e-2,
        ["int8-static"] = 0.06,
        ["int8-dynamic"] = 0.03,
        ["int4"] = 0.12,
    };

    public static IEnumerable<TestCaseData> Passes() =>
        PrecisionPipelines.All().SelectMany(p => p.Passes.Select(pass => new TestCaseData(p.Name, pass.Name)
            .SetName($"Pass_{p.Name}_{pass.Name}")));

    [TestCaseSource(nameof(Passes))]
    public void Apply_EveryZooGraph_StaysEquivalentWithinTolerance(string pipeline, string passName)
    {
        Assert.That(s_tolerance, Contains.Key(pipeline),
            $"Add a tolerance for pipeline '{pipeline}' to GraphPassContractTests.s_tolerance.");
        int changed = 0;
        foreach (TinyGraph graph in TinyGraphs.All)
        {
            OnnxModel model = graph.Build();
            ActivationStatistics statistics = PrecisionTestKit.Calibrate(graph, model);
            IGraphPass pass = PrecisionPipelines.All(statistics).Single(p => p.Name == pipeline).Passes
                .Single(p => p.Name == passName);
            Dictionary<string, Tensor> inputs = graph.Inputs(PrecisionTestKit.EvalSeed);
            Dictionary<string, float[]> expected = OrtHarness.Run(graph.Build(), inputs);

            PassResult result = pass.Apply(model);

            Dictionary<string, float[]> actual = OrtHarness.Run(model, inputs);
            double error = PrecisionTestKit.RelativeError(expected, actual);
            TestContext.Out.WriteLine($"{graph.Name}: {result} error {error:E2}");
            Assert.That(error, Is.LessThanOrEqualTo(s_tolerance[pipeline]), $"{passName} on {graph.Name}: {result}");
            changed += result.Changed ? 1 : 0;
        }

        Assert.That(changed, Is.GreaterThan(0), $"{passName} changed none of the zoo graphs");
    }
}
