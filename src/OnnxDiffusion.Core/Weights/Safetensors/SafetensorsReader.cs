using System.Buffers.Binary;
using OnnxDiffusion.Core.IO;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Weights.Safetensors;

/// <summary>Reads safetensors files through a memory mapping; tensor bytes are spans into the mapping.</summary>
internal sealed class SafetensorsReader : IWeightReader
{
    public static readonly SafetensorsReader Instance = new();

    public string Format => "safetensors";

    /// <summary>
    /// An 8-byte length, then a header that starts with <c>{</c>; or any file named <c>.safetensors</c>,
    /// <c>.sft</c> or <c>.latent</c>, so that a damaged one gets the precise validation error.
    /// </summary>
    public bool CanRead(string path, ReadOnlySpan<byte> head) =>
        (head.Length >= 9 && BinaryPrimitives.ReadUInt64LittleEndian(head) >= 2 && head[8] == (byte)'{')
        || (head.Length > 0 && (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
            || path.EndsWith(".sft", StringComparison.OrdinalIgnoreCase)
            || path.EndsWith(".latent", StringComparison.OrdinalIgnoreCase)));

    public IWeightSource Open(string path)
    {
        MappedFile file = MappedFile.Open(path);
        try
        {
            List<SafetensorsEntry> entries = SafetensorsHeader.Parse(
                path, file.Length, (offset, length) => file.Span(offset, length).ToArray(),
                out Dictionary<string, string> metadata);
            return new SafetensorsSource(path, Format, file, entries, metadata);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private sealed class SafetensorsSource : IndexedWeightSource
    {
        private readonly MappedFile _file;
        private readonly long[] _offsets;

        public SafetensorsSource(string path, string format, MappedFile file, List<SafetensorsEntry> entries,
            Dictionary<string, string> metadata)
            : base(path, format, entries.Select(e => e.Info), metadata)
        {
            _file = file;
            var byName = entries.ToDictionary(e => e.Info.Name, e => e.FileOffset, StringComparer.Ordinal);
            _offsets = Tensors.Select(t => byName[t.Name]).ToArray();
        }

        protected override ReadOnlySpan<byte> GetBytes(int index, TensorInfo info) =>
            _file.Span(_offsets[index], info.ByteLength);

        protected override void DisposeCore() => _file.Dispose();
    }
}
