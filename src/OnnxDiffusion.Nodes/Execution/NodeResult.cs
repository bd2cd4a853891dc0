using System.Text.Json.Nodes;

namespace OnnxDiffusion.Nodes.Execution;

/// <summary>What <see cref="INode.Execute"/> returns: one value per declared output, plus UI files.</summary>
public sealed class NodeResult
{
    private NodeResult(IReadOnlyList<object?> outputs, string? uiKey, IReadOnlyList<SavedFile> files)
    {
        Outputs = outputs;
        UiKey = uiKey;
        Files = files;
    }

    /// <summary>Output values in declared order.</summary>
    public IReadOnlyList<object?> Outputs { get; }

    /// <summary>Key of the UI dict (<c>images</c>, <c>latents</c>), or null when the node shows nothing.</summary>
    public string? UiKey { get; }

    /// <summary>Files written by the node, in order.</summary>
    public IReadOnlyList<SavedFile> Files { get; }

    /// <summary>A result carrying <paramref name="outputs"/> and no files.</summary>
    public static NodeResult Of(params object?[] outputs) => new(outputs, null, []);

    /// <summary>An output node's result: files shown under <paramref name="uiKey"/>, optional output values.</summary>
    public static NodeResult WithFiles(string? uiKey, IReadOnlyList<SavedFile> files, params object?[] outputs) =>
        new(outputs, uiKey, files);

    /// <summary>ComfyUI's <c>ui</c> dict, e.g. <c>{"images": [{filename, subfolder, type}]}</c>.</summary>
    public JsonObject ToUiJson()
    {
        var ui = new JsonObject();
        if (UiKey is not null)
        {
            ui[UiKey] = new JsonArray(Files.Select(f => (JsonNode?)f.ToUiJson()).ToArray());
        }

        return ui;
    }
}
