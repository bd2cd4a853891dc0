using System.Globalization;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Graph.Ops;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Graph;

/// <summary>Node emission (used by the op methods in <see cref="Ops.Ops"/>).</summary>
public sealed partial class GraphBuilder
{
    /// <summary>
    /// Appends a node. The op methods compute output types and shapes first (so a failed inference emits nothing)
    /// and pass them in <paramref name="outputs"/>. A null input is an omitted optional input.
    /// </summary>
    /// <exception cref="InvalidOperationException">When the op is missing from <see cref="OpTable"/>.</exception>
    internal Value[] AddNode(
        string opType,
        Value?[] inputs,
        AttributeProto[] attributes,
        (ElementType Type, TensorShape Shape)[] outputs,
        string domain = OnnxDomains.Onnx)
    {
        OpInfo info = OpTable.Find(domain, opType)
            ?? throw new InvalidOperationException(
                $"Op '{domain}:{opType}' is not registered in OpTable; add it to its family table in Ops/.");
        if (domain == OnnxDomains.Onnx && info.SinceVersion > Opset)
        {
            throw Fail(opType, inputs, $"needs opset {info.SinceVersion} or newer, the builder targets {Opset}");
        }

        foreach (Value? input in inputs)
        {
            if (input is not null)
            {
                CheckOwned(input);
            }
        }

        int used = inputs.Length;
        while (used > 0 && inputs[used - 1] is null)
        {
            used--;
        }

        inputs = inputs[..used];
        string nodeName = NextName(opType);
        var results = new Value[outputs.Length];
        for (int i = 0; i < outputs.Length; i++)
        {
            string valueName = nodeName + "_output_" + i.ToString(CultureInfo.InvariantCulture);
            ClaimName(valueName);
            results[i] = new Value(this, valueName, outputs[i].Type, outputs[i].Shape, ValueKind.NodeOutput);
        }

        _nodes.Add(new NodeRecord(nodeName, opType, domain, inputs, results, attributes));
        if (domain != OnnxDomains.Onnx)
        {
            _usedDomains.Add(domain);
        }

        return results;
    }

    /// <summary>Builds the exception for a wiring or shape mistake at the current module path.</summary>
    internal GraphBuildException Fail(string opType, IEnumerable<Value?> inputs, string detail)
    {
        string shapes = string.Join(", ", inputs.Select(v => v is null ? "(omitted)" : v.ToString()));
        string where = _scopePath.Length == 0 ? "the graph root" : $"'{_scopePath}'";
        return new GraphBuildException(
            $"{opType} at {where} {detail}. Inputs: {shapes}. Check the layer configuration or the shapes " +
            "flowing into this module.");
    }

    /// <summary>The nodes emitted so far, in emission (topological) order; read by Graph.Autodiff.</summary>
    internal IReadOnlyList<NodeRecord> NodeRecords => _nodes;

    /// <summary>Values marked with <c>StopGradient</c>: reverse-mode autodiff sends no gradient through them.</summary>
    internal HashSet<Value> StopGradients { get; } = [];

    /// <summary>A node as recorded; names of its values are resolved when the graph is built.</summary>
    internal sealed class NodeRecord(
        string name, string opType, string domain, Value?[] inputs, Value[] outputs, AttributeProto[] attributes)
    {
        public string Name => name;

        public string OpType => opType;

        public string Domain => domain;

        /// <summary>Inputs; null entries are omitted optional inputs (trailing ones are trimmed).</summary>
        public IReadOnlyList<Value?> Inputs => inputs;

        public IReadOnlyList<Value> Outputs => outputs;

        public IReadOnlyList<AttributeProto> Attributes => attributes;

        public NodeProto ToProto()
        {
            var node = new NodeProto { Name = name, OpType = opType };
            if (domain.Length != 0)
            {
                node.Domain = domain;
            }

            foreach (Value? input in inputs)
            {
                node.Input.Add(input?.Name ?? string.Empty);
            }

            foreach (Value output in outputs)
            {
                node.Output.Add(output.Name);
            }

            foreach (AttributeProto attribute in attributes)
            {
                node.Attribute.Add(attribute.Clone());
            }

            return node;
        }
    }
}
