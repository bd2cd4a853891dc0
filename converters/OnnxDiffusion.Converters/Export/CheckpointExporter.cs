using System.Buffers.Binary;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Serialization;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Families;
using OnnxDiffusion.Models.Layouts;

namespace OnnxDiffusion.Converters.Export;

/// <summary>
/// Packages whose weights go into one exported checkpoint (ComfyUI's CheckpointSave takes MODEL, CLIP and VAE
/// separately, so each part may come from a different package folder).
/// </summary>
/// <param name="UNetPackage">Package folder whose <c>unet</c> supplies <c>model.diffusion_model.*</c>.</param>
/// <param name="TextEncoderPackage">Package folder whose <c>text_encoder</c> supplies the CLIP keys.</param>
/// <param name="VaePackage">Package folder whose <c>vae_encoder</c> and <c>vae_decoder</c> supply
/// <c>first_stage_model.*</c>.</param>
public sealed record CheckpointExportSources(string UNetPackage, string TextEncoderPackage, string VaePackage);

/// <summary>
/// Writes an LDM-layout single-file <c>.safetensors</c> checkpoint from converted packages: the ONNX initializers
/// of our exports are named by the LDM checkpoint keys, so every key of the SD1.x layout (detected from those
/// names and shapes) is read back from them, in the stored dtype (fp32 or fp16; mixed fp16 packages keep their
/// fp32 tensors). The CLIP position ids, which the graph does not keep, are rebuilt as 0..n−1 (int64). The file is
/// written atomically. Only fp32/fp16 packages qualify: quantized weights cannot be turned back into checkpoint
/// tensors. Thread-safe (no shared state).
/// </summary>
public static class CheckpointExporter
{
    private static readonly string[] s_unet = [PackageLayout.UNet];
    private static readonly string[] s_text = [PackageLayout.TextEncoder];
    private static readonly string[] s_vae = [PackageLayout.VaeEncoder, PackageLayout.VaeDecoder];

    /// <summary>
    /// Exports <paramref name="sources"/> to <paramref name="outputPath"/> with the given safetensors
    /// <paramref name="metadata"/> (insertion order kept).
    /// </summary>
    /// <returns>The names and shapes written, sorted by name.</returns>
    /// <exception cref="UnsupportedModelException">A component is quantized (names the package, component and
    /// precision), or the initializers do not carry the checkpoint keys (not made by <c>onnxdiff convert</c>).
    /// </exception>
    /// <exception cref="InvalidInputException">A package folder or component model is missing.</exception>
    /// <exception cref="ModelFormatException">A component model is unreadable.</exception>
    public static IReadOnlyList<TensorInfo> Export(
        CheckpointExportSources sources, string outputPath, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        var weights = new Dictionary<string, IInitializerData>(StringComparer.Ordinal);
        Collect(sources.UNetPackage, s_unet, Sd15Layout.UNetPrefix, weights);
        Collect(sources.TextEncoderPackage, s_text, Sd15Layout.TextEncoderPrefix, weights);
        Collect(sources.VaePackage, s_vae, Sd15Layout.VaePrefix, weights);

        Sd15Config config = Detect(weights, sources.UNetPackage);
        var tensors = new List<TensorToWrite>();
        var missing = new List<string>();
        foreach ((string name, long[] shape) in Sd15Layout.Enumerate(config))
        {
            if (name == Sd15Layout.PositionIdsKey)
            {
                tensors.Add(new TensorToWrite(name, DType.I64, shape, s => WritePositionIds(s, shape)));
            }
            else if (weights.TryGetValue(name, out IInitializerData? data) && ToDType(data.ElementType) is { } dtype &&
                     data.Shape.SequenceEqual(shape))
            {
                tensors.Add(new TensorToWrite(name, dtype, shape, data.WriteTo));
            }
            else
            {
                missing.Add(name);
            }
        }

        if (missing.Count > 0)
        {
            throw new UnsupportedModelException(
                $"{missing.Count} checkpoint tensor(s) cannot be recovered from the package initializers (first: " +
                $"{missing[0]}): the package was not made by onnxdiff convert or its weights were rewritten. " +
                "Save from an fp32 or fp16 package converted by onnxdiff convert.");
        }

        SafetensorsWriter.Write(outputPath, tensors, metadata);
        return [.. tensors.Select(t => new TensorInfo(t.Name, t.DType, t.Shape, t.ByteLength))
            .OrderBy(t => t.Name, StringComparer.Ordinal)];
    }

    private static void Collect(
        string packageDir, string[] components, string prefix, Dictionary<string, IInitializerData> weights)
    {
        PackageLayout layout = PackageLayout.Open(packageDir);
        PackageManifest manifest = layout.LoadManifest();
        foreach (string component in components)
        {
            string precision = manifest.Precision.GetValueOrDefault(component, "fp32");
            if (precision is not ("fp32" or "fp16"))
            {
                throw new UnsupportedModelException(
                    $"Cannot save a checkpoint from {layout.Root}: its {component} has precision {precision}, and " +
                    "quantized weights cannot be turned back into checkpoint tensors. Save from an fp32 or fp16 " +
                    "package (onnxdiff convert output, or onnxdiff quantize --precision fp16).");
            }

            string modelPath = layout.ModelPath(component);
            if (!File.Exists(modelPath))
            {
                throw new InvalidInputException(
                    $"Cannot save a checkpoint from {layout.Root}: it has no {component}/{PackageLayout.ModelFile}, " +
                    "so its weights are not all there. Re-run onnxdiff convert on the source checkpoint.");
            }

            foreach ((string name, IInitializerData data) in ModelLoader.Load(modelPath).Initializers)
            {
                if (name.StartsWith(prefix, StringComparison.Ordinal) && !name.Contains('/', StringComparison.Ordinal))
                {
                    weights.TryAdd(name, data);
                }
            }
        }
    }

    private static Sd15Config Detect(Dictionary<string, IInitializerData> weights, string path)
    {
        var infos = new List<TensorInfo>();
        foreach ((string name, IInitializerData data) in weights)
        {
            if (ToDType(data.ElementType) is { } dtype)
            {
                infos.Add(new TensorInfo(name, dtype, data.Shape, data.ByteLength()));
            }
        }

        try
        {
            return Sd15Family.DetectFromWeights(new InfoOnlySource(path, infos));
        }
        catch (OnnxDiffusionException ex) when (ex is WeightMismatchException or UnsupportedModelException)
        {
            throw new UnsupportedModelException(
                $"The package initializers do not form an SD1.x checkpoint ({ex.Message}). Only packages made by " +
                "onnxdiff convert (fp32 or fp16) can be saved as a checkpoint.");
        }
    }

    private static void WritePositionIds(Stream destination, long[] shape)
    {
        long count = shape.Aggregate(1L, (a, d) => a * d);
        Span<byte> one = stackalloc byte[8];
        for (long i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(one, i);
            destination.Write(one);
        }
    }

    private static DType? ToDType(ElementType type) => type switch
    {
        ElementType.Float => DType.F32,
        ElementType.Float16 => DType.F16,
        ElementType.BFloat16 => DType.BF16,
        _ => null,
    };

    /// <summary>Names, dtypes and shapes only, for config detection (payloads are never read).</summary>
    private sealed class InfoOnlySource(string path, List<TensorInfo> infos) : IWeightSource
    {
        private readonly Dictionary<string, TensorInfo> _byName =
            infos.ToDictionary(i => i.Name, StringComparer.Ordinal);

        public string Path => path;

        public string Format => "onnx";

        public IReadOnlyList<TensorInfo> Tensors { get; } = [.. infos.OrderBy(i => i.Name, StringComparer.Ordinal)];

        public IReadOnlyDictionary<string, string> Metadata { get; } = new Dictionary<string, string>();

        public bool TryGetInfo(string name, out TensorInfo info) => _byName.TryGetValue(name, out info!);

        public ReadOnlySpan<byte> GetBytes(string name) =>
            throw new NotSupportedException("Config detection reads names and shapes only.");

        public void Dispose()
        {
        }
    }
}
