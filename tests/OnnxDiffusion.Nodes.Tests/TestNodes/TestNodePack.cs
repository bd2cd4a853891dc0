using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Schema;
using OnnxDiffusion.Nodes.Types;

namespace OnnxDiffusion.Nodes.Tests.TestNodes;

/// <summary>Shared state of one test: which nodes ran, what outputs saw, outside state for fingerprints.</summary>
internal sealed class CallLog
{
    public List<string> Executed { get; } = [];

    public Dictionary<string, object?> Seen { get; } = [];

    public int ExternalVersion { get; set; }

    public CancellationTokenSource? CancelDuringRun { get; set; }
}

/// <summary>
/// A test-only node pack (ComfyUI's <c>testing_nodes</c> idea): tiny nodes for executor and validator tests.
/// Lives only in the test assembly, so the built-in completeness test ignores it.
/// </summary>
internal static class TestNodePack
{
    public static NodeRegistry Registry(CallLog log) => new(Nodes(log));

    public static IEnumerable<INode> Nodes(CallLog log) =>
    [
        new IntNode(log), new AddNode(log), new FloatNode(log), new ComboNode(log), new StringNode(log),
        new BoolNode(log), new ImageNode(log), new OutputNode(log), new LazySwitchNode(log), new EvenOnlyNode(log),
        new ExternalNode(log), new FailNode(log), new ProgressNode(log), new CancelNode(log), new OptionalNode(log),
        new ThrowingValidationNode(log), new SeedNode(log), new BrokenComboNode(log),
    ];

    private static NodeSchema Schema(string name, IoType? output, params InputSpec[] required) => new()
    {
        ClassType = name,
        Category = "_for_testing",
        Required = required,
        Outputs = output is null ? [] : [OutputSpec.Of(output)],
    };

    /// <summary>Base: records the node id, then computes.</summary>
    internal abstract class TestNode(CallLog log) : INode
    {
        protected CallLog Log => log;

        public abstract NodeSchema Schema { get; }

        public NodeResult Execute(NodeInputs inputs, NodeContext context)
        {
            log.Executed.Add(context.NodeId);
            return Run(inputs, context);
        }

        protected abstract NodeResult Run(NodeInputs inputs, NodeContext context);
    }

    internal sealed class IntNode(CallLog log) : TestNode(log)
    {
        public override NodeSchema Schema { get; } = Schema("TestInt", IoType.Int, new IntInput("value", 0, -100, 100));

        protected override NodeResult Run(NodeInputs inputs, NodeContext context) =>
            NodeResult.Of((Int128)inputs.GetInt64("value"));
    }

    internal sealed class AddNode(CallLog log) : TestNode(log)
    {
        public override NodeSchema Schema { get; } =
            Schema("TestAdd", IoType.Int, new IntInput("a", 0, -1000, 1000), new IntInput("b", 0, -1000, 1000));

        protected override NodeResult Run(NodeInputs inputs, NodeContext context) =>
            NodeResult.Of((Int128)(inputs.GetInt64("a") + inputs.GetInt64("b")));
    }

    internal sealed class FloatNode(CallLog log) : TestNode(log)
    {
        public override NodeSchema Schema { get; } =
            Schema("TestFloat", IoType.Float, new FloatInput("value", 0.5, 0.0, 1.0, 0.01));

        protected override NodeResult Run(NodeInputs inputs, NodeContext context) =>
            NodeResult.Of(inputs.GetDouble("value"));
    }

    internal sealed class ComboNode(CallLog log) : TestNode(log)
    {
        public override NodeSchema Schema { get; } =
            Schema("TestCombo", IoType.String, new ComboInput("choice", ["a", "b", "c"]));

        protected override NodeResult Run(NodeInputs inputs, NodeContext context) =>
            NodeResult.Of(inputs.GetString("choice"));
    }

    internal sealed class StringNode(CallLog log) : TestNode(log)
    {
        public override NodeSchema Schema { get; } = Schema("TestString", IoType.String, new StringInput("text"));

        protected override NodeResult Run(NodeInputs inputs, NodeContext context) =>
            NodeResult.Of(inputs.GetString("text"));
    }

    internal sealed class BoolNode(CallLog log) : TestNode(log)
    {
        public override NodeSchema Schema { get; } =
            Schema("TestBool", IoType.Boolean, new BooleanInput("flag", false));

        protected override NodeResult Run(NodeInputs inputs, NodeContext context) =>
            NodeResult.Of(inputs.GetBool("flag"));
    }

    internal sealed class ImageNode(CallLog log) : TestNode(log)
    {
        public override NodeSchema Schema { get; } = Schema("TestImage", IoType.Image, new IntInput("size", 2, 1, 64));

        protected override NodeResult Run(NodeInputs inputs, NodeContext context) =>
            NodeResult.Of(new FloatTensor(1, inputs.GetInt("size"), inputs.GetInt("size"), 3));
    }

    /// <summary>Output node: records the value it received under its node id.</summary>
    internal sealed class OutputNode(CallLog log) : TestNode(log)
    {
        public override NodeSchema Schema { get; } = new()
        {
            ClassType = "TestOutput",
            Category = "_for_testing",
            Required = [new LinkInput("value", IoType.Any)],
            Optional = [new StringInput("label", "none")],
            IsOutputNode = true,
        };

        protected override NodeResult Run(NodeInputs inputs, NodeContext context)
        {
            Log.Seen[context.NodeId] = inputs["value"];
            Log.Seen[context.NodeId + ".label"] = inputs.GetString("label");
            return NodeResult.Of();
        }
    }

    /// <summary>Evaluates only the branch it picks (ComfyUI lazy inputs).</summary>
    internal sealed class LazySwitchNode(CallLog log) : TestNode(log), ILazyInputNode
    {
        public override NodeSchema Schema { get; } = Schema("TestLazySwitch", IoType.Any,
            new BooleanInput("switch", true),
            new LinkInput("on_true", IoType.Any) { Lazy = true },
            new LinkInput("on_false", IoType.Any) { Lazy = true });

        public IReadOnlyList<string> NeededLazyInputs(NodeInputs available, NodeContext context)
        {
            string wanted = available.GetBool("switch") ? "on_true" : "on_false";
            return available.Has(wanted) ? [] : [wanted];
        }

        protected override NodeResult Run(NodeInputs inputs, NodeContext context) =>
            NodeResult.Of(inputs[inputs.GetBool("switch") ? "on_true" : "on_false"]);
    }

    /// <summary>VALIDATE_INPUTS on "value": must be even (and then skips the max check, as in ComfyUI).</summary>
    internal sealed class EvenOnlyNode(CallLog log) : TestNode(log), IValidatingNode
    {
        public override NodeSchema Schema { get; } =
            Schema("TestEvenOnly", IoType.Int, new IntInput("value", 0, 0, 10));

        public IReadOnlyList<string> ValidatedInputs { get; } = ["value"];

        public string? ValidateInputs(NodeInputs literals, NodeEnvironment environment) =>
            literals.GetInt64("value") % 2 == 0 ? null : "must be even";

        protected override NodeResult Run(NodeInputs inputs, NodeContext context) =>
            NodeResult.Of((Int128)inputs.GetInt64("value"));
    }

    /// <summary>IS_CHANGED from outside state: re-runs when <see cref="CallLog.ExternalVersion"/> changes.</summary>
    internal sealed class ExternalNode(CallLog log) : TestNode(log), IFingerprintNode
    {
        public override NodeSchema Schema { get; } = Schema("TestExternal", IoType.Int);

        public string Fingerprint(NodeInputs literals, NodeEnvironment environment) =>
            Log.ExternalVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);

        protected override NodeResult Run(NodeInputs inputs, NodeContext context) =>
            NodeResult.Of((Int128)Log.ExternalVersion);
    }

    internal sealed class FailNode(CallLog log) : TestNode(log)
    {
        public override NodeSchema Schema { get; } = Schema("TestFail", IoType.Int);

        protected override NodeResult Run(NodeInputs inputs, NodeContext context) =>
            throw new InvalidInputException("the test node always fails");
    }

    internal sealed class ProgressNode(CallLog log) : TestNode(log)
    {
        public override NodeSchema Schema { get; } =
            Schema("TestProgress", IoType.Int, new IntInput("steps", 3, 1, 10));

        protected override NodeResult Run(NodeInputs inputs, NodeContext context)
        {
            int steps = inputs.GetInt("steps");
            for (int i = 1; i <= steps; i++)
            {
                context.ReportProgress(i, steps);
            }

            return NodeResult.Of((Int128)steps);
        }
    }

    /// <summary>Simulates the user pressing cancel while this node runs.</summary>
    internal sealed class CancelNode(CallLog log) : TestNode(log)
    {
        public override NodeSchema Schema { get; } = Schema("TestCancel", IoType.Int);

        protected override NodeResult Run(NodeInputs inputs, NodeContext context)
        {
            Log.CancelDuringRun?.Cancel();
            return NodeResult.Of((Int128)1);
        }
    }

    internal sealed class OptionalNode(CallLog log) : TestNode(log)
    {
        public override NodeSchema Schema { get; } = new()
        {
            ClassType = "TestOptional",
            Category = "_for_testing",
            Optional = [new IntInput("amount", 7, 0, 10), new LinkInput("extra", IoType.Int)],
            Outputs = [OutputSpec.Of(IoType.Int)],
        };

        protected override NodeResult Run(NodeInputs inputs, NodeContext context) =>
            NodeResult.Of((Int128)(inputs.GetInt64("amount") + (inputs.Has("extra") ? inputs.GetInt64("extra") : 0)));
    }

    internal sealed class ThrowingValidationNode(CallLog log) : TestNode(log), IValidatingNode
    {
        public override NodeSchema Schema { get; } = Schema("TestThrowingValidation", IoType.Int);

        public IReadOnlyList<string> ValidatedInputs { get; } = [];

        public string? ValidateInputs(NodeInputs literals, NodeEnvironment environment) =>
            throw new IOException("disk on fire");

        protected override NodeResult Run(NodeInputs inputs, NodeContext context) => NodeResult.Of((Int128)0);
    }

    /// <summary>ComfyUI's seed range: INT up to 0xffffffffffffffff.</summary>
    internal sealed class SeedNode(CallLog log) : TestNode(log)
    {
        public override NodeSchema Schema { get; } = Schema("TestSeed", IoType.Int,
            new IntInput("seed", 0, 0, ulong.MaxValue) { ControlAfterGenerate = true });

        protected override NodeResult Run(NodeInputs inputs, NodeContext context) =>
            NodeResult.Of((Int128)inputs.GetUInt64("seed"));
    }

    /// <summary>A combo whose option list cannot be computed (e.g. an unreadable model folder).</summary>
    internal sealed class BrokenComboNode(CallLog log) : TestNode(log)
    {
        public override NodeSchema Schema { get; } = new()
        {
            ClassType = "TestBrokenCombo",
            Category = "_for_testing",
            Required = [new ComboInput("file", _ => throw new UnauthorizedAccessException("folder unreadable"))],
            IsOutputNode = true,
        };

        protected override NodeResult Run(NodeInputs inputs, NodeContext context) => NodeResult.Of();
    }
}
