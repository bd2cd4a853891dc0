using System.CommandLine;
using System.Globalization;
using System.Reflection;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Latents;
using OnnxDiffusion.Core.Latents.Raiiaf;

namespace OnnxDiffusion.Cli.Commands;

/// <summary>
/// <c>onnxdiff latent</c>: latent files. <c>inspect FILE</c> prints a RAIIAF file's header, manifest and chunks
/// (sizes, compression ratios, zfp modes; <c>--verify</c> decodes every chunk and checks its sha256), or the shape of a
/// <c>.npy</c>/<c>.latent</c>. <c>convert IN OUT</c> converts between <c>.npy</c>, <c>.latent</c> (ComfyUI) and
/// <c>.raiiaf</c>, chosen by extension.
/// </summary>
public static class LatentCommand
{
    private static readonly string[] s_extensions = [".npy", ".latent", RaiiafFormat.Extension];

    /// <summary>Creates the verb with its subcommands.</summary>
    public static Command Create()
    {
        var command = new Command("latent", "Inspect and convert latent files (.raiiaf, .npy, ComfyUI .latent).");
        command.Subcommands.Add(CreateInspect());
        command.Subcommands.Add(CreateConvert());
        return command;
    }

    private static Command CreateInspect()
    {
        var file = new Argument<string>("file") { Description = "A .raiiaf, .npy or .latent file." };
        var verify = new Option<bool>("--verify")
        {
            Description = "Decode every chunk and check its sha256 (reads the whole file).",
        };
        var command = new Command("inspect", "Print a latent file's header, manifest, chunks and compression ratios.");
        command.Arguments.Add(file);
        command.Options.Add(verify);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            TextWriter output = parse.InvocationConfiguration.Output;
            switch (Kind(path))
            {
                case RaiiafFormat.Extension:
                    using (RaiiafFile raiiaf = RaiiafFile.Open(path))
                    {
                        LatentInspector.Print(raiiaf, new FileInfo(path).Length, parse.GetValue(verify), output);
                    }

                    break;
                case ".npy":
                    NpyHeader npy = NpyFile.ReadHeader(path);
                    output.WriteLine($"npy {npy.MajorVersion}.{npy.MinorVersion}  {path}  {npy.Descr} {npy.ShapeText}");
                    break;
                default:
                    ComfyLatent latent = ComfyLatentFile.Read(path);
                    output.WriteLine($"ComfyUI latent  {path}  float32 {latent.Samples.ShapeText}" +
                                     (latent.IsLegacy ? "  (legacy: scaled by 1/0.18215 on load)" : ""));
                    break;
            }

            return 0;
        });
        return command;
    }

    private static Command CreateConvert()
    {
        var input = new Argument<string>("in") { Description = "Source file: .npy, .latent or .raiiaf." };
        var output = new Argument<string>("out") { Description = "Destination file: .npy, .latent or .raiiaf." };
        var lossy = new Option<double>("--lossy")
        {
            Description = "RAIIAF output: zfp fixed-accuracy mode with this absolute tolerance (default lossless).",
        };
        var fp16 = new Option<bool>("--fp16") { Description = "RAIIAF output: store float16 (flags F16)." };
        var key = new Option<string?>("--key")
        {
            Description = "Latent key: which latent of a multi-latent .raiiaf to read, or the key to store under " +
                          "(default samples).",
        };
        var command = new Command("convert", "Convert a latent between .npy, .latent and .raiiaf (by extension).");
        command.Arguments.Add(input);
        command.Arguments.Add(output);
        command.Options.Add(lossy);
        command.Options.Add(fp16);
        command.Options.Add(key);
        command.SetAction(parse =>
        {
            var request = new ConvertRequest(parse.GetValue(input)!, parse.GetValue(output)!, parse.GetValue(lossy),
                parse.GetValue(fp16), parse.GetValue(key));
            Convert(request, parse.InvocationConfiguration.Output);
            return 0;
        });
        return command;
    }

    private static void Convert(ConvertRequest request, TextWriter output)
    {
        string outKind = Kind(request.Output);
        if (outKind != RaiiafFormat.Extension && (request.Tolerance != 0 || request.Float16))
        {
            throw new InvalidInputException(
                $"--lossy and --fp16 apply to .raiiaf output only; {request.Output} is {outKind} (float32).");
        }

        Source source = ReadSource(request);
        long bytes;
        switch (outKind)
        {
            case ".npy":
                NpyFile.Write(request.Output, Single(source, request).Tensor);
                break;
            case ".latent":
                ComfyLatentFile.Write(request.Output, Single(source, request).Tensor);
                break;
            default:
                var options = new RaiiafWriteOptions
                {
                    Tolerance = request.Tolerance,
                    Float16 = request.Float16,
                    ModelInfo = source.ModelInfo ?? new RaiiafModelInfo { Tags = ["onnxdiff-convert"] },
                    Png = source.Png,
                    Environment = RaiiafEnvironment.Current(ProducerVersion()),
                };
                RaiiafWriter.Write(request.Output, source.Latents, options);
                break;
        }

        bytes = new FileInfo(request.Output).Length;
        long raw = source.Latents.Sum(l => 4L * l.Tensor.Length);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {request.Output}: {source.Latents.Count} latent(s), {bytes:N0} bytes " +
            $"({(double)raw / bytes:F2}x vs {raw:N0} bytes of float32)"));
        if (outKind == RaiiafFormat.Extension)
        {
            ReportError(request.Output, source.Latents, output);
        }
    }

    /// <summary>Reads the written file back and reports the largest difference to the source values.</summary>
    private static void ReportError(string path, IReadOnlyList<RaiiafLatent> written, TextWriter output)
    {
        using RaiiafFile file = RaiiafFile.Open(path);
        double maxError = 0;
        for (int i = 0; i < written.Count; i++)
        {
            float[] expected = written[i].Tensor.Data;
            float[] actual = file.ReadLatent(i).Data;
            for (int j = 0; j < expected.Length; j++)
            {
                maxError = Math.Max(maxError, Math.Abs((double)actual[j] - expected[j]));
            }
        }

        output.WriteLine(maxError == 0
            ? "read back: bit-exact"
            : string.Create(CultureInfo.InvariantCulture, $"read back: max abs error {maxError:G4}"));
    }

    private static Source ReadSource(ConvertRequest request)
    {
        string key = request.Key ?? "samples";
        switch (Kind(request.Input))
        {
            case ".npy":
                return new Source([new RaiiafLatent(key, NpyFile.Read(request.Input))], null, null);
            case ".latent":
                return new Source([new RaiiafLatent(key, ComfyLatentFile.Read(request.Input).Samples)], null, null);
            default:
                using (RaiiafFile file = RaiiafFile.Open(request.Input))
                {
                    IReadOnlyList<RaiiafLatent> latents = request.Key is null
                        ? file.ReadAllLatents()
                        : [new RaiiafLatent(request.Key, file.ReadLatent(request.Key))];
                    return new Source(latents, file.Manifest.ModelInfo, file.ReadImage());
                }
        }
    }

    private static RaiiafLatent Single(Source source, ConvertRequest request)
    {
        if (source.Latents.Count != 1)
        {
            throw new InvalidInputException(
                $"{request.Input} holds {source.Latents.Count} latents ({string.Join(", ", source.Latents.Select(
                    l => l.Key))}); {Kind(request.Output)} holds one. Choose one with --key.");
        }

        return source.Latents[0];
    }

    private static string Kind(string path)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        return Array.IndexOf(s_extensions, extension) >= 0
            ? extension
            : throw new InvalidInputException(
                $"{path}: unknown latent file type \"{extension}\"; use one of {string.Join(", ", s_extensions)}.");
    }

    private static string ProducerVersion() =>
        typeof(LatentCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? "unknown";

    private sealed record ConvertRequest(string Input, string Output, double Tolerance, bool Float16, string? Key);

    private sealed record Source(IReadOnlyList<RaiiafLatent> Latents, RaiiafModelInfo? ModelInfo, byte[]? Png);
}
