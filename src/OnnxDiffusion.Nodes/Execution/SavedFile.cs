using System.Text.Json.Nodes;

namespace OnnxDiffusion.Nodes.Execution;

/// <summary>
/// A file a node wrote: ComfyUI's UI entry <c>{filename, subfolder, type}</c> plus the absolute path.
/// </summary>
/// <param name="Filename">Bare file name, e.g. <c>ComfyUI_00001_.png</c>.</param>
/// <param name="Subfolder">Folder below the output/temp folder, <c>/</c>-separated, or empty.</param>
/// <param name="Type"><c>output</c> or <c>temp</c> (<see cref="ComfyNames.FolderTypes"/>).</param>
/// <param name="FullPath">Absolute path on disk.</param>
public sealed record SavedFile(string Filename, string Subfolder, string Type, string FullPath)
{
    /// <summary>ComfyUI's UI form <c>{"filename", "subfolder", "type"}</c>.</summary>
    public JsonObject ToUiJson() => new() { ["filename"] = Filename, ["subfolder"] = Subfolder, ["type"] = Type };
}
