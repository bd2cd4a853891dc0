using System.Text.Json.Nodes;
using OnnxDiffusion.Converters.Export;
using OnnxDiffusion.Core.Json;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Paths;

namespace OnnxDiffusion.Nodes.Models;

/// <summary>
/// CheckpointSave (comfyui-spec.md §4): <c>{prefix}_{counter:05}_.safetensors</c> below the output folder, LDM
/// keys read back from the packages' ONNX initializers (<see cref="CheckpointExporter"/>), metadata
/// <c>modelspec.predict_key</c>, <c>prompt</c> and each <c>extra_pnginfo</c> key (JSON text) in ComfyUI's order.
/// </summary>
internal static class CheckpointFiles
{
    /// <summary>
    /// Writes the checkpoint of <paramref name="model"/>, <paramref name="clip"/> and <paramref name="vae"/>.
    /// </summary>
    /// <exception cref="Core.Errors.OnnxDiffusionException">Quantized or foreign packages, or a prefix that escapes
    /// the output folder.</exception>
    public static SavedFile Save(PackageModel model, PackageClip clip, PackageVae vae, string prefix,
        NodeEnvironment environment, JsonObject? prompt, JsonObject? extraPngInfo)
    {
        SavePath path = SavePaths.GetSaveImagePath(prefix, environment.OutputDir, clock: environment.Clock);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["modelspec.predict_key"] =
                model.Loaded.Package.Manifest.PredictionType == "v_prediction" ? "v" : "epsilon",
        };
        if (!environment.DisableMetadata)
        {
            metadata["prompt"] = prompt is null ? "" : PythonJson.Dumps(prompt);
            foreach (var (key, value) in extraPngInfo ?? new JsonObject())
            {
                metadata[key] = PythonJson.Dumps(value);
            }
        }

        string file = SavePath.FileName(path.Filename, path.Counter, "safetensors");
        string fullPath = Path.Combine(path.FullOutputFolder, file);
        CheckpointExporter.Export(new CheckpointExportSources(model.Loaded.Package.Layout.Root,
            clip.Loaded.Package.Layout.Root, vae.Loaded.Package.Layout.Root), fullPath, metadata);
        return new SavedFile(file, path.Subfolder, ComfyNames.FolderTypes.Output, fullPath);
    }
}
