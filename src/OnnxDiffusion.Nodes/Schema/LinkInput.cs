using System.Text.Json.Nodes;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Types;

namespace OnnxDiffusion.Nodes.Schema;

/// <summary>An input that only arrives through a link (IMAGE, LATENT, MODEL, CONDITIONING, ...).</summary>
public sealed record LinkInput(string Name, IoType LinkType) : InputSpec(Name)
{
    /// <inheritdoc />
    public override IoType Type => LinkType;

    /// <inheritdoc />
    internal override CheckedValue Check(JsonNode? raw, NodeEnvironment environment, bool skipChecks) =>
        CheckedValue.Fail(ConversionError(
            raw, $"a {Type.Name} input takes a link [node_id, output_index], not a literal value", environment));
}
