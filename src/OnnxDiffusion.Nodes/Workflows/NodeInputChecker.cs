using System.Text.Json.Nodes;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Schema;
using OnnxDiffusion.Nodes.Types;

namespace OnnxDiffusion.Nodes.Workflows;

/// <summary>Checks the inputs of one node (ComfyUI <c>validate_inputs</c> minus the recursion).</summary>
internal sealed class NodeInputChecker(
    WorkflowNode workflowNode, INode node, Workflow workflow, NodeRegistry registry, NodeEnvironment environment)
{
    private readonly Dictionary<string, object?> _literals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LinkRef> _links = new(StringComparer.Ordinal);
    private readonly List<(string Input, LinkRef Link)> _sources = [];

    public INode Node => node;

    /// <summary>Coerced literal values (and defaults of absent optional widgets).</summary>
    public IReadOnlyDictionary<string, object?> Literals => _literals;

    /// <summary>Well-formed, type-checked links.</summary>
    public IReadOnlyDictionary<string, LinkRef> Links => _links;

    /// <summary>Every link to an existing node of a known class, type mismatches included: all are validated.</summary>
    public IReadOnlyList<(string Input, LinkRef Link)> Sources => _sources;

    private IReadOnlyList<string> SelfValidated => node is IValidatingNode v ? v.ValidatedInputs : [];

    /// <summary>Checks every declared input; false when a link points at an unusable node.</summary>
    public bool CheckInputs(out List<ValidationError> errors)
    {
        errors = [];
        bool valid = true;
        foreach (InputSpec spec in node.Schema.AllInputs)
        {
            bool required = node.Schema.Required.Contains(spec);
            if (!workflowNode.TryGetInput(spec.Name, out JsonNode? raw))
            {
                if (required)
                {
                    errors.Add(ValidationError.ForInput(ComfyNames.Errors.RequiredInputMissing,
                        "Required input is missing", spec.Name, spec.Name));
                }
                else if (spec.DefaultValue is not null)
                {
                    _literals[spec.Name] = spec.DefaultValue;
                }

                continue;
            }

            ValidationError? error = raw is JsonArray ? CheckLink(spec, raw, ref valid) : CheckLiteral(spec, raw);
            if (error is not null)
            {
                errors.Add(error);
            }
        }

        return valid;
    }

    /// <summary>Runs the node's own <c>VALIDATE_INPUTS</c>, if any.</summary>
    public IEnumerable<ValidationError> CustomValidation()
    {
        if (node is not IValidatingNode validating)
        {
            return [];
        }

        string? message;
        try
        {
            message = validating.ValidateInputs(new NodeInputs(_literals), environment);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return [ExceptionDuringValidation(ex)];
        }

        if (message is null)
        {
            return [];
        }

        var names = validating.ValidatedInputs.Where(n => workflowNode.TryGetInput(n, out _)).ToArray();
        return names.Length == 0
            ? [new ValidationError(ComfyNames.Errors.CustomValidationFailed, "Custom validation failed for node",
                message, new JsonObject())]
            : names.Select(n => ValidationError.ForInput(ComfyNames.Errors.CustomValidationFailed,
                "Custom validation failed for node", $"{n} - {message}", n));
    }

    /// <summary>The <c>/object_info</c> entry of an input (ComfyUI's <c>input_config</c>).</summary>
    public JsonArray? InputConfig(string name) => node.Schema.FindInput(name)?.ToObjectInfo(environment);

    private ValidationError? CheckLink(InputSpec spec, JsonNode? raw, ref bool valid)
    {
        if (!LinkParser.TryParse(raw, out LinkRef link, out string? problem))
        {
            return BadLink(spec, raw, problem!, spec.Name);
        }

        WorkflowNode? source = workflow.Find(link.NodeId);
        if (source is null)
        {
            return BadLink(spec, raw, "Linked node does not exist",
                $"{spec.Name}, node '{link.NodeId}' is not in the prompt");
        }

        if (source.ClassType is null || !registry.Contains(source.ClassType))
        {
            valid = false; // reported on the source node
            return null;
        }

        _sources.Add((spec.Name, link));
        var outputs = registry.Get(source.ClassType).Schema.Outputs;
        if (link.OutputIndex >= outputs.Count)
        {
            return BadLink(spec, raw, "Linked output index is out of range",
                $"{spec.Name}, node {link.NodeId} ({source.ClassType}) has {outputs.Count} output(s), " +
                $"got index {link.OutputIndex}");
        }

        string received = outputs[link.OutputIndex].Type.Name;
        if (!IoType.LinkAccepts(received, spec.LinkTypeName))
        {
            return ValidationError.ForInput(ComfyNames.Errors.ReturnTypeMismatch,
                "Return type mismatch between linked nodes",
                $"{spec.Name}, received_type({received}) mismatch input_type({spec.LinkTypeName})",
                spec.Name,
                ("input_config", spec.ToObjectInfo(environment)),
                ("received_type", received),
                ("linked_node", raw));
        }

        _links[spec.Name] = link;
        return null;
    }

    private ValidationError? CheckLiteral(InputSpec spec, JsonNode? raw)
    {
        if (raw is JsonObject wrapper && wrapper.TryGetPropertyValue("__value__", out JsonNode? inner))
        {
            raw = inner;
        }

        try
        {
            CheckedValue result = spec.Check(raw, environment, SelfValidated.Contains(spec.Name));
            if (result.Error is null)
            {
                _literals[spec.Name] = result.Value;
            }

            return result.Error;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return ExceptionDuringValidation(ex);
        }
    }

    private ValidationError BadLink(InputSpec spec, JsonNode? raw, string message, string details) =>
        ValidationError.ForInput(ComfyNames.Errors.BadLinkedInput, message, details, spec.Name,
            ("input_config", spec.ToObjectInfo(environment)),
            ("received_value", raw));

    private static ValidationError ExceptionDuringValidation(Exception ex) => new(
        ComfyNames.Errors.ExceptionDuringValidation, "Exception when validating node", ex.Message,
        new JsonObject { ["exception_type"] = ex.GetType().FullName });
}
