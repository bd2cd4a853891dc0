using OnnxDiffusion.Converters.Precision.Calibration;
using OnnxDiffusion.Converters.Precision.Int8;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Passes;
using OnnxDiffusion.Graph.Proto;
using OnnxDiffusion.Graph.Serialization;

namespace OnnxDiffusion.Converters.Precision;

/// <summary>
/// Writes precision variants of an fp32 model package: every file of the source is copied (tokenizer/,
/// model_index.json, configs), each component's <c>model.onnx</c> is loaded, run through the variant's
/// <see cref="PrecisionPipelines"/> pipeline and written back, and <c>onnxdiffusion.json</c> records the precision
/// of each component. Works on packages from other exporters too (a missing manifest means fp32 SD1.x). A variant
/// is assembled in a hidden sibling folder and renamed into place at the end, so an interrupted run never leaves
/// a half-written package. Thread-safe (stateless); not safe to run twice on the same output at once.
/// </summary>
public static class PrecisionConverter
{
    /// <summary>
    /// Writes one variant of <paramref name="fp32PackageDir"/> to <paramref name="outDir"/>. INT8 uses static QDQ
    /// for components with statistics (<see cref="PrecisionOptions.Statistics"/> or gathered through
    /// <see cref="PrecisionOptions.Probes"/>) and otherwise dynamic MatMul + weight-only Conv quantization.
    /// </summary>
    /// <exception cref="InvalidInputException">When the source is not a complete fp32 package or the output exists
    /// (without <see cref="PrecisionOptions.Overwrite"/>).</exception>
    /// <exception cref="OperationCanceledException">When cancelled; nothing is left behind.</exception>
    public static PrecisionResult Apply(string fp32PackageDir, string outDir, ModelPrecision precision,
        PrecisionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(fp32PackageDir);
        ArgumentException.ThrowIfNullOrEmpty(outDir);
        options ??= new PrecisionOptions();
        PackageLayout source = PackageLayout.Open(fp32PackageDir);
        PackageManifest manifest = source.LoadManifest();
        CheckFp32(source, manifest);
        string target = CheckTarget(source, outDir, options);
        string temp = Path.Combine(Path.GetDirectoryName(target)!,
            $".{Path.GetFileName(target)}.partial-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(temp);
            var run = new VariantRun(source, temp, precision, options, cancellationToken);
            run.CopyNonComponentFiles();
            foreach (string component in PackageLayout.Components.Where(c => File.Exists(source.ModelPath(c))))
            {
                run.Component(component);
            }

            var precisions = new Dictionary<string, string>(manifest.Precision, StringComparer.Ordinal);
            foreach ((string component, string p) in run.ComponentPrecision)
            {
                precisions[component] = p;
            }

            File.WriteAllText(Path.Combine(temp, PackageManifest.FileName),
                (manifest with { Precision = precisions }).ToJson());
            Commit(temp, target, options.Overwrite);
            return new PrecisionResult(target, precision, run.ComponentPrecision, run.Pipelines, run.Passes,
                DirectoryBytes(target));
        }
        catch
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }

            throw;
        }
    }

    /// <summary>
    /// Writes several variants: with one precision the package goes to <paramref name="outDir"/> itself; with
    /// several, to <c>outDir/fp32/</c>, <c>outDir/fp16/</c>, <c>outDir/int8/</c>, <c>outDir/int4/</c>. When
    /// <paramref name="outDir"/> does not exist (or is empty) the whole set is assembled in a hidden sibling folder
    /// and renamed into place at the end, so a failed or cancelled run leaves no variant behind; otherwise each
    /// variant is replaced on its own (<see cref="PrecisionOptions.Overwrite"/>).
    /// </summary>
    /// <exception cref="InvalidInputException">No precision, or see <see cref="Apply"/>.</exception>
    /// <exception cref="OperationCanceledException">When cancelled.</exception>
    public static IReadOnlyList<PrecisionResult> ApplyAll(string fp32PackageDir, string outDir,
        IReadOnlyList<ModelPrecision> precisions, PrecisionOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(precisions);
        ArgumentException.ThrowIfNullOrEmpty(outDir);
        if (precisions.Count == 0)
        {
            throw new InvalidInputException(
                $"No precision given; choose one or more of {string.Join(", ", Precisions.Names)}.");
        }

        if (precisions.Count == 1)
        {
            return [Apply(fp32PackageDir, outDir, precisions[0], options, cancellationToken)];
        }

        string target = Path.GetFullPath(outDir).TrimEnd(Path.DirectorySeparatorChar);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
        {
            return precisions.Select(p => Apply(fp32PackageDir, Path.Combine(target, p.ToName()), p, options,
                cancellationToken)).ToArray();
        }

        return StageSet(target, staging => precisions.Select(p => Apply(fp32PackageDir,
            Path.Combine(staging, p.ToName()), p, options, cancellationToken)).ToArray(),
            results => results.Select(r => r with
            {
                OutputDir = Path.Combine(target, Path.GetFileName(r.OutputDir)),
            }).ToArray());
    }

    /// <summary>
    /// Gathers INT8 calibration statistics for every component of <paramref name="fp32PackageDir"/> that has a
    /// probe in <paramref name="probes"/> and is in <see cref="PrecisionOptions.QuantizedComponents"/>: the
    /// tensors the static INT8 passes (with <see cref="PrecisionOptions.Int8"/>) need, run through the probe.
    /// The result can go to <see cref="PrecisionOptions.Statistics"/> or <see cref="ActivationStatisticsFile"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException">When cancelled.</exception>
    public static IReadOnlyDictionary<string, ActivationStatistics> Calibrate(string fp32PackageDir,
        IReadOnlyDictionary<string, IActivationProbe> probes, PrecisionOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(fp32PackageDir);
        ArgumentNullException.ThrowIfNull(probes);
        options ??= new PrecisionOptions();
        PackageLayout source = PackageLayout.Open(fp32PackageDir);
        CheckFp32(source, source.LoadManifest());
        var result = new Dictionary<string, ActivationStatistics>(StringComparer.Ordinal);
        foreach (string component in PackageLayout.Components.Where(c => File.Exists(source.ModelPath(c)) &&
            options.QuantizedComponents.Contains(c) && probes.ContainsKey(c)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            OnnxModel model = ModelLoader.Load(source.ModelPath(component));
            result[component] = CalibrationRunner.Collect(model, probes[component],
                CalibrationTensors(model, options.Int8), cancellationToken);
            options.Progress?.Report($"calibrated {component}: {result[component].Tensors.Count} tensors, " +
                $"{result[component].Samples} samples");
        }

        return result;
    }

    /// <summary>The fp32 tensors whose ranges the static INT8 passes need for <paramref name="model"/>.</summary>
    public static IReadOnlyCollection<string> CalibrationTensors(OnnxModel model, Int8Options int8)
    {
        ArgumentNullException.ThrowIfNull(model);
        var tensors = new SortedSet<string>(StringComparer.Ordinal);
        foreach (ICalibratedPass pass in PrecisionPipelines.Int8Static(int8, ActivationStatistics.Empty)
            .Passes.OfType<ICalibratedPass>())
        {
            tensors.UnionWith(pass.CalibrationTensors(model));
        }

        return tensors;
    }

    /// <summary>
    /// Runs <paramref name="write"/> into a hidden staging sibling of <paramref name="target"/> (absent or empty)
    /// and renames the staging folder to <paramref name="target"/>; on any failure the staging folder is deleted.
    /// </summary>
    /// <param name="target">The folder to create.</param>
    /// <param name="write">Writes everything into the staging folder it is given.</param>
    /// <param name="relocate">Maps the result's paths from the staging folder to the target (optional).</param>
    /// <param name="overwrite">Replace an existing non-empty <paramref name="target"/> at the end.</param>
    /// <exception cref="InvalidInputException">When <paramref name="target"/> appears meanwhile.</exception>
    public static T StageSet<T>(string target, Func<string, T> write, Func<T, T>? relocate = null,
        bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(write);
        target = Path.GetFullPath(target).TrimEnd(Path.DirectorySeparatorChar);
        string staging = Path.Combine(Path.GetDirectoryName(target)!,
            $".{Path.GetFileName(target)}.partial-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(staging);
            T result = write(staging);
            Commit(staging, target, overwrite);
            return relocate is null ? result : relocate(result);
        }
        catch
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }

            throw;
        }
    }

    private static void CheckFp32(PackageLayout source, PackageManifest manifest)
    {
        string[] notFp32 = manifest.Precision.Where(p => p.Value != "fp32" && File.Exists(source.ModelPath(p.Key)))
            .Select(p => $"{p.Key}: {p.Value}").ToArray();
        if (notFp32.Length > 0)
        {
            throw new InvalidInputException(
                $"{source.Root} is not an fp32 package ({string.Join(", ", notFp32)}). Precision variants are made " +
                "from the fp32 export: run onnxdiff quantize on the fp32 package.");
        }
    }

    private static string CheckTarget(PackageLayout source, string outDir, PrecisionOptions options)
    {
        string target = Path.GetFullPath(outDir).TrimEnd(Path.DirectorySeparatorChar);
        if (string.Equals(target, source.Root.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
        {
            throw new InvalidInputException($"The output folder {target} is the source package; choose another -o.");
        }

        if ((Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any() && !options.Overwrite) ||
            File.Exists(target))
        {
            throw new InvalidInputException(
                $"The output {target} already exists; remove it or pass --overwrite to replace it.");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        return target;
    }

    private static void Commit(string temp, string target, bool overwrite)
    {
        if (Directory.Exists(target))
        {
            if (!overwrite && Directory.EnumerateFileSystemEntries(target).Any())
            {
                throw new InvalidInputException(
                    $"The output {target} appeared while converting; nothing was replaced.");
            }

            Directory.Delete(target, recursive: true);
        }

        Directory.Move(temp, target);
    }

    private static long DirectoryBytes(string folder) =>
        new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    /// <summary>State of one variant being assembled in the temp folder.</summary>
    private sealed class VariantRun(
        PackageLayout source, string temp, ModelPrecision precision, PrecisionOptions options,
        CancellationToken cancellationToken)
    {
        public Dictionary<string, string> ComponentPrecision { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> Pipelines { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, IReadOnlyList<PassResult>> Passes { get; } = new(StringComparer.Ordinal);

        public void CopyNonComponentFiles()
        {
            var components = new HashSet<string>(PackageLayout.Components, StringComparer.Ordinal);
            foreach (string entry in Directory.EnumerateFileSystemEntries(source.Root))
            {
                string name = Path.GetFileName(entry);
                if (components.Contains(name) || name == PackageManifest.FileName || name.StartsWith('.'))
                {
                    continue;
                }

                CopyEntry(entry, Path.Combine(temp, name));
            }
        }

        public void Component(string component)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string folder = Path.Combine(source.Root, component);
            bool transform = precision == ModelPrecision.Fp16 ||
                (precision != ModelPrecision.Fp32 && options.QuantizedComponents.Contains(component));
            if (!transform)
            {
                CopyEntry(folder, Path.Combine(temp, component));
                ComponentPrecision[component] = "fp32";
                return;
            }

            OnnxModel model = ModelLoader.Load(source.ModelPath(component));
            HashSet<string> dataFiles = model.Initializers.Values.OfType<ExternalFileInitializerData>()
                .Select(d => Path.GetFullPath(d.Path)).ToHashSet(StringComparer.Ordinal);
            PassPipeline pipeline = PipelineFor(component, model);
            IReadOnlyList<PassResult> results = pipeline.Run(model, cancellationToken);
            SetMetadata(model, "onnxdiffusion.precision", pipeline.Name);
            string output = Path.Combine(temp, component, PackageLayout.ModelFile);
            ModelWriter.Write(model, output, options.Write);
            CopySidecars(folder, Path.Combine(temp, component), dataFiles);
            ComponentPrecision[component] = precision.ToName();
            Pipelines[component] = pipeline.Name;
            Passes[component] = results;
            foreach (PassResult result in results)
            {
                options.Progress?.Report($"{precision.ToName()} {component}: {result}");
            }
        }

        private PassPipeline PipelineFor(string component, OnnxModel model)
        {
            IActivationProbe? probe = options.Probes.GetValueOrDefault(component);
            switch (precision)
            {
                case ModelPrecision.Fp16:
                    return PrecisionPipelines.Fp16(probe is null ? options.Fp16 : options.Fp16 with
                    {
                        OverflowProbe = probe,
                    });
                case ModelPrecision.Int4:
                    return PrecisionPipelines.Int4(options.Int4);
                case ModelPrecision.Int8:
                    ActivationStatistics? statistics = options.Statistics.GetValueOrDefault(component);
                    if (statistics is null && probe is not null)
                    {
                        statistics = Calibrate(model, probe);
                    }

                    return statistics is null
                        ? PrecisionPipelines.Int8Dynamic(options.Int8)
                        : PrecisionPipelines.Int8Static(options.Int8, statistics);
                default:
                    throw new ArgumentOutOfRangeException(nameof(precision), precision, "No pipeline for fp32.");
            }
        }

        private ActivationStatistics Calibrate(OnnxModel model, IActivationProbe probe) =>
            CalibrationRunner.Collect(model, probe, CalibrationTensors(model, options.Int8), cancellationToken);

        private static void SetMetadata(OnnxModel model, string key, string value)
        {
            StringStringEntryProto? entry = model.Proto.MetadataProps.FirstOrDefault(e => e.Key == key);
            if (entry is null)
            {
                model.Proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
            }
            else
            {
                entry.Value = value;
            }
        }

        private static void CopySidecars(string from, string to, HashSet<string> dataFiles)
        {
            foreach (string entry in Directory.EnumerateFileSystemEntries(from))
            {
                string name = Path.GetFileName(entry);
                if (name is PackageLayout.ModelFile or PackageLayout.DataFile ||
                    dataFiles.Contains(Path.GetFullPath(entry)) || File.Exists(Path.Combine(to, name)))
                {
                    continue;
                }

                CopyEntry(entry, Path.Combine(to, name));
            }
        }

        private static void CopyEntry(string from, string to)
        {
            if (File.Exists(from))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(from, to);
                return;
            }

            Directory.CreateDirectory(to);
            foreach (string entry in Directory.EnumerateFileSystemEntries(from))
            {
                CopyEntry(entry, Path.Combine(to, Path.GetFileName(entry)));
            }
        }
    }
}
