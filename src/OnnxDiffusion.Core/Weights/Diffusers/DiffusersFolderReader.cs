using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Weights.Diffusers;

/// <summary>
/// Reads a diffusers model folder: each component file (<c>unet/</c>, <c>text_encoder/</c>, <c>text_encoder_2/</c>,
/// <c>vae/</c>) is opened through <see cref="WeightFile.Open"/> and its tensors are exposed as
/// <c>&lt;component&gt;/&lt;key&gt;</c>. Missing components are simply absent. Metadata keys get the same prefix.
/// </summary>
internal sealed class DiffusersFolderReader : IWeightReader
{
    public static readonly DiffusersFolderReader Instance = new();

    /// <summary>Components and the file names tried for each, in order of preference.</summary>
    private static readonly (string Component, string[] Files)[] s_components =
    [
        ("text_encoder", ["model.safetensors", "model.fp16.safetensors", "pytorch_model.bin",
            "pytorch_model.fp16.bin"]),
        ("text_encoder_2", ["model.safetensors", "model.fp16.safetensors", "pytorch_model.bin",
            "pytorch_model.fp16.bin"]),
        ("unet", DiffusionModelFiles()),
        ("vae", DiffusionModelFiles()),
    ];

    public string Format => "diffusers";

    public bool CanRead(string path, ReadOnlySpan<byte> head) =>
        head.IsEmpty && Directory.Exists(path) && FindFiles(path).Count > 0;

    public IWeightSource Open(string path)
    {
        var parts = new List<(string Prefix, IWeightSource Source)>();
        try
        {
            foreach (var (component, file) in FindFiles(path))
            {
                parts.Add((component + "/", WeightFile.Open(file)));
            }

            return new DiffusersSource(path, Format, parts);
        }
        catch
        {
            foreach (var (_, source) in parts)
            {
                source.Dispose();
            }

            throw;
        }
    }

    private static string[] DiffusionModelFiles() =>
    [
        "diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors",
        "diffusion_pytorch_model.bin", "diffusion_pytorch_model.fp16.bin",
    ];

    private static List<(string Component, string File)> FindFiles(string folder)
    {
        var found = new List<(string, string)>();
        foreach (var (component, files) in s_components)
        {
            foreach (string name in files)
            {
                string file = Path.Combine(folder, component, name);
                if (File.Exists(file))
                {
                    found.Add((component, file));
                    break;
                }
            }
        }

        return found;
    }

    private sealed class DiffusersSource : IndexedWeightSource
    {
        private readonly List<(string Prefix, IWeightSource Source)> _parts;
        private readonly (IWeightSource Source, string Name)[] _targets;

        public DiffusersSource(string path, string format, List<(string Prefix, IWeightSource Source)> parts)
            : base(path, format, Prefixed(parts), PrefixedMetadata(parts))
        {
            _parts = parts;
            var map = new Dictionary<string, (IWeightSource, string)>(StringComparer.Ordinal);
            foreach (var (prefix, source) in parts)
            {
                foreach (TensorInfo t in source.Tensors)
                {
                    map[prefix + t.Name] = (source, t.Name);
                }
            }

            _targets = Tensors.Select(t => map[t.Name]).ToArray();
        }

        protected override ReadOnlySpan<byte> GetBytes(int index, TensorInfo info) =>
            _targets[index].Source.GetBytes(_targets[index].Name);

        protected override void DisposeCore()
        {
            foreach (var (_, source) in _parts)
            {
                source.Dispose();
            }
        }

        private static IEnumerable<TensorInfo> Prefixed(List<(string Prefix, IWeightSource Source)> parts) =>
            parts.SelectMany(p => p.Source.Tensors.Select(t => t with { Name = p.Prefix + t.Name }));

        private static Dictionary<string, string> PrefixedMetadata(List<(string Prefix, IWeightSource Source)> parts)
        {
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (prefix, source) in parts)
            {
                foreach (var (key, value) in source.Metadata)
                {
                    metadata[prefix + key] = value;
                }
            }

            return metadata;
        }
    }
}
