using System.Globalization;
using System.Text.Json.Nodes;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Core.Json;
using OnnxDiffusion.Nodes.Paths;
using OnnxDiffusion.Runtime.Imaging;

namespace OnnxDiffusion.Nodes.Images;

/// <summary>Where and how <see cref="ImageSaver.Save"/> writes.</summary>
/// <param name="Folder">Base folder (output or temp).</param>
/// <param name="FolderType"><c>output</c> or <c>temp</c>, reported in the UI entries.</param>
/// <param name="CompressionLevel">zlib level (SaveImage 4, PreviewImage 1).</param>
/// <param name="Prompt">API prompt for the <c>prompt</c> chunk, or null.</param>
/// <param name="ExtraPngInfo">One chunk per key (normally <c>workflow</c>), or null.</param>
/// <param name="DisableMetadata">Write no text chunks.</param>
public sealed record ImageSaveOptions(
    string Folder, string FolderType, int CompressionLevel, JsonObject? Prompt, JsonObject? ExtraPngInfo,
    bool DisableMetadata);

/// <summary>
/// SaveImage / PreviewImage (comfyui-spec.md §5): one PNG per batch entry named
/// <c>{prefix}_{counter:05}_.png</c> (counter + 1 per image, <c>%batch_num%</c> replaced by the index), pixels
/// clip(255·x) truncated to uint8, <c>prompt</c> and extra_pnginfo keys as <c>tEXt</c> chunks holding
/// Python-style JSON.
/// </summary>
public static class ImageSaver
{
    /// <summary>Writes every image of <paramref name="images"/> <c>[B, H, W, C]</c>.</summary>
    /// <exception cref="InvalidInputException">The prefix escapes the folder, or not an IMAGE.</exception>
    public static IReadOnlyList<SavedFile> Save(FloatTensor images, string filenamePrefix, ImageSaveOptions options,
        TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(options);
        if (images.Rank != 4 || images.Shape[3] is not (1 or 3 or 4))
        {
            throw new InvalidInputException($"Expected IMAGE [B, H, W, C] with C = 1, 3 or 4, got {images.ShapeText}.");
        }

        SavePath path = SavePaths.GetSaveImagePath(
            filenamePrefix, options.Folder, images.Shape[2], images.Shape[1], clock);
        var texts = TextChunks(options);
        var saved = new List<SavedFile>();
        long counter = path.Counter;
        for (int b = 0; b < images.Shape[0]; b++)
        {
            string baseName = path.Filename.Replace("%batch_num%", b.ToString(CultureInfo.InvariantCulture),
                StringComparison.Ordinal);
            string file = SavePath.FileName(baseName, counter, "png");
            byte[] png = ImageCodec.EncodePng(images, b, options.CompressionLevel);
            if (texts.Count > 0)
            {
                png = PngChunks.InsertText(png, texts);
            }

            string fullPath = Path.Combine(path.FullOutputFolder, file);
            File.WriteAllBytes(fullPath, png);
            saved.Add(new SavedFile(file, path.Subfolder, options.FolderType, fullPath));
            counter++;
        }

        return saved;
    }

    /// <summary>The <c>tEXt</c> entries ComfyUI writes: <c>prompt</c>, then each extra_pnginfo key.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> TextChunks(ImageSaveOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var texts = new List<KeyValuePair<string, string>>();
        if (options.DisableMetadata)
        {
            return texts;
        }

        if (options.Prompt is not null)
        {
            texts.Add(new("prompt", PythonJson.Dumps(options.Prompt)));
        }

        foreach (var (key, value) in options.ExtraPngInfo ?? new JsonObject())
        {
            texts.Add(new(key, PythonJson.Dumps(value)));
        }

        return texts;
    }
}
