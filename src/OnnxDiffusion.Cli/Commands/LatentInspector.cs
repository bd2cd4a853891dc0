using System.Globalization;
using System.Text.Json.Nodes;
using OnnxDiffusion.Core.Latents.Raiiaf;

namespace OnnxDiffusion.Cli.Commands;

/// <summary>Formats <c>onnxdiff latent inspect</c> output for a RAIIAF file.</summary>
internal static class LatentInspector
{
    /// <summary>
    /// Prints header, manifest and one line per chunk; with <paramref name="verify"/> decodes every chunk.
    /// </summary>
    public static void Print(RaiiafFile file, long fileLength, bool verify, TextWriter output)
    {
        RaiiafHeader h = file.Header;
        RaiiafManifest m = file.Manifest;
        output.WriteLine(F($"RAIIAF {h.VersionMajor}.{h.VersionMinor}  {file.Source}  {fileLength:N0} bytes"));
        output.WriteLine(F($"header: {h.Size} bytes, flags {h.Flags}, chunk_count {h.ChunkCount}, ") +
                         F($"file_size {h.FileSize:N0}"));
        output.WriteLine(F($"manifest: META at offset {h.ChunkTableOffset:N0}, {h.ChunkTableSize:N0} bytes; ") +
                         F($"file_info {m.VersionMajor}.{m.VersionMinor}, file_size {m.StatedFileSize:N0}") +
                         (m.StatedFileSize == (long)h.FileSize ? "" : " (stale; the header is authoritative)"));
        RaiiafModelInfo info = m.ModelInfo;
        output.WriteLine($"model: \"{info.ModelName}\" version \"{info.Version}\" date {info.Date}");
        output.WriteLine($"prompt: \"{info.Prompt}\"  tags: [{string.Join(", ", info.Tags)}]");
        PrintObject("generation_settings", info.GenerationSettings, output);
        PrintObject("hardware_info", info.HardwareInfo, output);
        output.WriteLine("  #  type  flags        offset      stored         raw   ratio  details");
        foreach (RaiiafChunkRecord c in file.Chunks)
        {
            output.WriteLine(F($"{c.Index,3}  {c.Type,-4}  {c.Flags,-5}  {c.Offset,12:N0}  ") +
                             F($"{c.CompressedSize,10:N0}  ") +
                             F($"{c.UncompressedSize,10:N0}  {c.CompressionRatio,5:F2}x  {Details(file, c)}"));
            if (verify)
            {
                Verify(file, c);
                output.WriteLine("     sha256 ok");
            }
        }

        long raw = file.Latents.Sum(l => l.UncompressedSize);
        long stored = file.Latents.Sum(l => l.CompressedSize);
        output.WriteLine(F($"latents: {file.Latents.Count}, {raw:N0} raw bytes stored in {stored:N0} ") +
                         (stored == 0 ? "" : F($"({(double)raw / stored:F2}x)")));
    }

    private static string Details(RaiiafFile file, RaiiafChunkRecord c)
    {
        if (c.Latent is { } latent)
        {
            string text = $"'{latent.Key}' {latent.ShapeText} {latent.DTypeName}";
            if (!c.Compressed)
            {
                return text + ", uncompressed";
            }

            ZfpStreamInfo zfp = file.DescribeZfp(c);
            return text + F($", zfp {zfp.ModeText} {zfp.Shape.Length}-D [{string.Join(", ", zfp.Shape)}] ") +
                   F($"{zfp.ScalarTypeName}, zstd header {c.LenHeader} B + zfp {c.LenData:N0} B");
        }

        return c.Type switch
        {
            RaiiafFormat.ImageType => F($"PNG image, {c.UncompressedSize:N0} bytes{ExtraText(c.Extra)}"),
            RaiiafFormat.EnvironmentType => "environment: " + string.Join(", ",
                file.ReadEnvironment()?.Components.Select(x => x.CanonicalString) ?? []),
            _ => "unknown chunk type (kept, not decoded)",
        };
    }

    private static void Verify(RaiiafFile file, RaiiafChunkRecord c)
    {
        if (c.Latent is not null)
        {
            file.ReadLatent(file.Latents.ToList().IndexOf(c));
        }
        else if (c.Type == RaiiafFormat.ImageType)
        {
            file.ReadImage();
        }
        else if (c.Type == RaiiafFormat.EnvironmentType)
        {
            file.ReadEnvironment();
        }
    }

    private static void PrintObject(string name, JsonObject? obj, TextWriter output)
    {
        if (obj is not null)
        {
            output.WriteLine($"{name}: {obj.ToJsonString()}");
        }
    }

    private static string ExtraText(JsonObject extra) => extra.Count == 0 ? "" : ", extra " + extra.ToJsonString();

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
