using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Layouts;

namespace OnnxDiffusion.Models.Synthetic;

/// <summary>
/// Seeded synthetic SD1.x checkpoints with every tensor of the real layout, for tests, demos and benchmarks when no
/// real weights are at hand. Each tensor is generated inside the writer's callback (never the whole model at once:
/// full size is 1.07 B parameters, 4.3 GB in fp32) from (seed, LDM name) alone, so the LDM file and the diffusers
/// folder of one seed hold the same values. Initialisation keeps activations finite and non-degenerate: weights
/// N(0, 1/fan_in), norm scales 1, norm shifts 0, other biases N(0, <see cref="BiasStd"/>²), nothing zeroed that
/// would cut the signal, position ids 0..n−1. Thread-safe (stateless).
/// </summary>
public static partial class SyntheticCheckpoint
{
    /// <summary>Standard deviation of the Linear and Conv biases.</summary>
    public const double BiasStd = 0.02;

    /// <summary>
    /// Every tensor of <paramref name="config"/> with its LDM name, shape and initialisation, in layout order.
    /// Norm layers are recognised structurally: a module whose <c>weight</c> is a vector.
    /// </summary>
    public static IReadOnlyList<(string Name, long[] Shape, SyntheticInit Init)> Plan(Sd15Config config)
    {
        IReadOnlyList<(string Name, long[] Shape)> layout = Sd15Layout.Enumerate(config);
        var normModules = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string name, long[] shape) in layout)
        {
            if (shape.Length == 1 && name.EndsWith(".weight", StringComparison.Ordinal))
            {
                normModules.Add(name[..^".weight".Length]);
            }
        }

        var plan = new List<(string, long[], SyntheticInit)>(layout.Count);
        foreach ((string name, long[] shape) in layout)
        {
            SyntheticInit init;
            if (name == Sd15Layout.PositionIdsKey)
            {
                init = SyntheticInit.PositionIds;
            }
            else if (shape.Length >= 2)
            {
                init = SyntheticInit.FanInNormal;
            }
            else
            {
                bool isNorm = normModules.Contains(name[..name.LastIndexOf('.')]);
                bool isWeight = name.EndsWith(".weight", StringComparison.Ordinal);
                init = isNorm ? (isWeight ? SyntheticInit.Ones : SyntheticInit.Zeros) : SyntheticInit.SmallNormal;
            }

            plan.Add((name, shape, init));
        }

        return plan;
    }

    /// <summary>
    /// The tensors of a synthetic LDM checkpoint for <see cref="SafetensorsWriter"/>: LDM names,
    /// <paramref name="dtype"/> (F32 or F16; position ids I64), data generated when the writer asks.
    /// </summary>
    public static IReadOnlyList<TensorToWrite> Tensors(Sd15Config config, DType dtype, ulong seed)
    {
        CheckDType(dtype);
        return Plan(config).Select(t => new TensorToWrite(t.Name, Sd15Layout.StoredDType(t.Name, dtype), t.Shape,
            stream => SyntheticTensorGenerator.WriteTo(stream, seed, t.Name, t.Init, t.Shape,
                Sd15Layout.StoredDType(t.Name, dtype)))).ToList();
    }

    /// <summary>
    /// The float32 values of one tensor (C order), exactly as written to an F32 file; for tests and for building
    /// small models in memory. Throws <see cref="ArgumentException"/> for position ids (integers).
    /// </summary>
    public static float[] Generate(string name, long[] shape, SyntheticInit init, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        long count = shape.Aggregate(1L, (a, d) => a * d);
        var values = new float[count];
        SyntheticTensorGenerator.Fill(seed, name, init, SyntheticTensorGenerator.FanIn(shape), 0, values);
        return values;
    }

    /// <summary>
    /// Writes a synthetic checkpoint to <paramref name="path"/> (a <c>.safetensors</c> file, or a folder for the
    /// diffusers layout), replacing what is there. <paramref name="bytesWritten"/> receives the running payload
    /// byte count. Throws <see cref="ArgumentException"/> for an inconsistent config or a dtype other than F32/F16,
    /// <see cref="IOException"/> when the target cannot be written.
    /// </summary>
    public static SyntheticSummary Write(string path, SyntheticOptions options, IProgress<long>? bytesWritten = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        CheckDType(options.DType);
        var plan = Plan(options.Config);
        long parameters = plan.Where(t => t.Init != SyntheticInit.PositionIds)
            .Sum(t => t.Shape.Aggregate(1L, (a, d) => a * d));
        long bytes = options.Layout == CheckpointLayout.Diffusers
            ? WriteDiffusers(path, options, bytesWritten)
            : WriteLdm(path, options, bytesWritten);
        return new SyntheticSummary(path, plan.Count, parameters, bytes);
    }

    /// <summary>Metadata stored in every synthetic file (no timestamps, so files are reproducible).</summary>
    internal static Dictionary<string, string> Metadata(SyntheticOptions options) => new(StringComparer.Ordinal)
    {
        ["format"] = "pt",
        ["onnxdiffusion.synthetic"] = "sd15",
        ["onnxdiffusion.synthetic.seed"] = options.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static long WriteLdm(string path, SyntheticOptions options, IProgress<long>? bytesWritten)
    {
        SafetensorsWriter.Write(path, Tensors(options.Config, options.DType, options.Seed), Metadata(options),
            bytesWritten);
        return new FileInfo(path).Length;
    }

    private static void CheckDType(DType dtype)
    {
        if (dtype is not (DType.F32 or DType.F16))
        {
            throw new ArgumentException($"Synthetic checkpoints are F32 or F16, not {dtype}.", nameof(dtype));
        }
    }
}
