using System.Text.Json;
using System.Text.Json.Nodes;

namespace OnnxDiffusion.Nodes.Workflows;

/// <summary>
/// A parsed API-format prompt (comfyui-spec.md §6): node id → node, in document order, plus the prompt JSON as
/// given (stored in PNG metadata) and <c>extra_pnginfo</c>. Accepts a bare prompt or a <c>POST /prompt</c> body
/// <c>{"prompt": {...}, "extra_data": {"extra_pnginfo": {"workflow": ...}}}</c>.
/// </summary>
public sealed class Workflow
{
    private readonly Dictionary<string, WorkflowNode> _byId;

    private Workflow(JsonObject prompt, JsonObject? extraPngInfo)
    {
        Prompt = prompt;
        ExtraPngInfo = extraPngInfo;
        Nodes = prompt.Select(p => new WorkflowNode(p.Key, p.Value as JsonObject)).ToArray();
        _byId = Nodes.ToDictionary(n => n.Id, StringComparer.Ordinal);
    }

    /// <summary>The prompt object as given (do not mutate).</summary>
    public JsonObject Prompt { get; }

    /// <summary><c>extra_data.extra_pnginfo</c>, or null.</summary>
    public JsonObject? ExtraPngInfo { get; }

    /// <summary>Nodes in document order.</summary>
    public IReadOnlyList<WorkflowNode> Nodes { get; }

    /// <summary>The node with <paramref name="id"/>, or null.</summary>
    public WorkflowNode? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>Wraps an already-parsed prompt.</summary>
    public static Workflow FromPrompt(JsonObject prompt, JsonObject? extraPngInfo = null)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return new Workflow(prompt, extraPngInfo);
    }

    /// <summary>Reads and parses <paramref name="path"/> (API or UI format; see <see cref="Parse"/>).</summary>
    /// <exception cref="WorkflowValidationException">Not JSON, or not an object (<c>invalid_prompt</c>).</exception>
    public static Workflow Load(string path, NodeRegistry? registry = null) =>
        Parse(File.ReadAllText(path), path, registry);

    /// <summary>
    /// Parses API-format JSON text (a bare prompt, or <c>{"prompt": …, "extra_data": …}</c>). UI-format text (what
    /// ComfyUI's "Save" writes: <c>nodes</c> + <c>links</c>) is converted with <see cref="UiWorkflowConverter"/>
    /// using <paramref name="registry"/>'s schemas (default: the built-in nodes), and the original is kept as
    /// <c>extra_pnginfo.workflow</c> so saved PNGs carry it as ComfyUI's do.
    /// </summary>
    /// <exception cref="WorkflowValidationException">Not JSON, or not an object (<c>invalid_prompt</c>).</exception>
    public static Workflow Parse(string json, string source = "workflow", NodeRegistry? registry = null)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException ex)
        {
            throw Invalid($"{source} is not valid JSON: {ex.Message}");
        }

        if (root is not JsonObject obj)
        {
            throw Invalid($"{source} must be a JSON object of node id → node, got {Kind(root)}.");
        }

        if (UiWorkflowConverter.IsUiFormat(obj))
        {
            JsonObject prompt = UiWorkflowConverter.ToApiPrompt(obj, registry ?? NodeRegistry.Default);
            return new Workflow(prompt, new JsonObject { ["workflow"] = obj.DeepClone() });
        }

        if (obj["prompt"] is JsonObject body && obj["prompt"]?["class_type"] is null)
        {
            var extra = obj["extra_data"]?["extra_pnginfo"] as JsonObject;
            return new Workflow(body, extra);
        }

        return new Workflow(obj, null);
    }

    private static string Kind(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray => "an array",
        _ => "a " + node.GetValueKind().ToString().ToLowerInvariant(),
    };

    private static WorkflowValidationException Invalid(string message) => new(ValidationReport.TopLevel(
        new ValidationError(ComfyNames.Errors.InvalidPrompt, message, "", new JsonObject())));
}
