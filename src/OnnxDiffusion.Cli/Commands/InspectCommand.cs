using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using OnnxDiffusion.Core.Latents;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.Models.Families;

namespace OnnxDiffusion.Cli.Commands;

/// <summary>
/// <c>onnxdiff inspect FILE|FOLDER [--json]</c>: what a checkpoint (safetensors, .ckpt, diffusers folder) or latent
/// file (.npy, .latent) holds: format, tensor count, parameter count, names with dtype and shape, metadata. Bad or
/// unsafe files are refused with the typed error (nothing in a .ckpt is executed).
/// </summary>
public static class InspectCommand
{
    private sealed record Report(string Path, string Format, IReadOnlyList<TensorInfo> Tensors,
        IReadOnlyDictionary<string, string> Metadata, string? Kind = null)
    {
        public long Parameters => Tensors.Sum(t => t.ElementCount);
    }

    /// <summary>The <c>kind</c> shown for a standalone VAE file.</summary>
    public const string VaeOnlyKind = "vae-only";

    /// <summary>Creates the verb.</summary>
    public static Command Create()
    {
        var path = new Argument<string>("path") { Description = "Checkpoint or latent file, or a diffusers folder." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("inspect", "Show what a checkpoint or latent file holds (never executes it).");
        command.Arguments.Add(path);
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            Report report = Inspect(parse.GetValue(path)!);
            TextWriter output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                WriteJson(report, output);
            }
            else
            {
                WriteText(report, output);
            }

            return CliCommon.ExitOk;
        });
        return command;
    }

    private static Report Inspect(string path)
    {
        if (File.Exists(path) && NpyFile.IsNpy(Head(path)))
        {
            NpyHeader npy = NpyFile.ReadHeader(path);
            DType dtype = npy.Descr switch { "<f2" => DType.F16, "<f8" => DType.F64, _ => DType.F32 };
            var info = new TensorInfo("array", dtype, npy.Shape.Select(d => (long)d).ToArray(),
                npy.ElementCount * npy.ItemSize);
            var metadata = new Dictionary<string, string>
            {
                ["npy_version"] = $"{npy.MajorVersion}.{npy.MinorVersion}",
                ["descr"] = npy.Descr,
            };
            return new Report(path, "npy", [info], metadata);
        }

        using IWeightSource source = WeightFile.Open(path);
        bool latent = source.TryGetInfo(ComfyLatentFile.LatentTensorName, out _)
            && path.EndsWith(".latent", StringComparison.OrdinalIgnoreCase);
        var meta = new Dictionary<string, string>(source.Metadata, StringComparer.Ordinal);
        if (latent)
        {
            meta["latent_format"] = source.TryGetInfo(ComfyLatentFile.VersionMarkerName, out _)
                ? "version 0" : "legacy (multiplied by 1/0.18215 on load)";
        }

        string? kind = !latent && StandaloneVae.IsVaeOnly(source) ? VaeOnlyKind : null;
        return new Report(path, latent ? "comfy-latent" : source.Format, source.Tensors.ToArray(), meta, kind);
    }

    private static byte[] Head(string path)
    {
        using FileStream stream = File.OpenRead(path);
        var head = new byte[8];
        return head[..stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)];
    }

    private static void WriteText(Report report, TextWriter output)
    {
        output.WriteLine($"file:       {report.Path}");
        output.WriteLine($"format:     {report.Format}");
        if (report.Kind is not null)
        {
            output.WriteLine($"kind:       {report.Kind} (a standalone VAE; `onnxdiff convert` makes a VAE-only " +
                "package, ComfyUI workflows load it with VAELoader from models/vae)");
        }

        output.WriteLine($"tensors:    {report.Tensors.Count}");
        output.WriteLine($"parameters: {report.Parameters.ToString("N0", CultureInfo.InvariantCulture)}"
            + $" ({Human(report.Parameters)})");
        if (report.Metadata.Count > 0)
        {
            output.WriteLine("metadata:");
            foreach (var (key, value) in report.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                string shown = value.Length > 200 ? value[..200] + $"… ({value.Length} chars)" : value;
                output.WriteLine($"  {key}: {shown.ReplaceLineEndings(" ")}");
            }
        }

        int width = report.Tensors.Count == 0 ? 0 : Math.Min(100, report.Tensors.Max(t => t.Name.Length));
        output.WriteLine("names:");
        foreach (TensorInfo t in report.Tensors)
        {
            output.WriteLine($"  {t.Name.PadRight(width)}  {DTypes.ToSafetensorsName(t.DType),-7}  {t.ShapeText}");
        }
    }

    private static void WriteJson(Report report, TextWriter output)
    {
        using var buffer = new MemoryStream();
        var options = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using (var json = new Utf8JsonWriter(buffer, options))
        {
            json.WriteStartObject();
            json.WriteString("path", report.Path);
            json.WriteString("format", report.Format);
            if (report.Kind is not null)
            {
                json.WriteString("kind", report.Kind);
            }

            json.WriteNumber("tensor_count", report.Tensors.Count);
            json.WriteNumber("parameter_count", report.Parameters);
            json.WriteStartObject("metadata");
            foreach (var (key, value) in report.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
            json.WriteStartArray("tensors");
            foreach (TensorInfo t in report.Tensors)
            {
                json.WriteStartObject();
                json.WriteString("name", t.Name);
                json.WriteString("dtype", DTypes.ToSafetensorsName(t.DType));
                json.WriteStartArray("shape");
                foreach (long d in t.Shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static string Human(long n) => n switch
    {
        >= 1_000_000_000 => (n / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + " B",
        >= 1_000_000 => (n / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + " M",
        >= 1_000 => (n / 1e3).ToString("0.00", CultureInfo.InvariantCulture) + " K",
        _ => n.ToString(CultureInfo.InvariantCulture),
    };
}
