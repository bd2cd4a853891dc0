using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Layouts;

namespace OnnxDiffusion.Models.Families;

/// <summary>Matching and layout validation of SD1.x checkpoints.</summary>
public sealed partial class Sd15Family
{
    /// <summary>
    /// SD1.x when UNet tensors are present and nothing marks another family: no SDXL/SD2 text encoders, no
    /// <c>label_emb</c>, no Linear transformer projections, no 1024-wide cross-attention context.
    /// </summary>
    internal static bool Matches(CheckpointIndex index)
    {
        if (index.CountPrefix(Sd15Layout.UNetPrefix) == 0 || CheckpointDiagnostics.ForeignMarker(index) is not null)
        {
            return false;
        }

        foreach (TensorInfo info in index.Tensors.Values)
        {
            string name = info.Name;
            if (!name.StartsWith(Sd15Layout.UNetPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (name.EndsWith(".proj_in.weight", StringComparison.Ordinal) && info.Shape.Length == 2)
            {
                return false; // Linear projections: SD2.x
            }

            if (name.EndsWith(".attn2.to_k.weight", StringComparison.Ordinal) && info.Shape.Length == 2 &&
                info.Shape[1] == CheckpointDiagnostics.Sd2ContextDim)
            {
                return false;
            }
        }

        return true;
    }

    private static void ValidateIndex(CheckpointIndex index, Sd15Config config)
    {
        var problems = new List<string>();
        var expectedNames = new HashSet<string>(StringComparer.Ordinal);
        int missing = 0, wrong = 0;
        foreach ((string name, long[] shape) in Sd15Layout.Enumerate(config))
        {
            expectedNames.Add(name);
            if (!index.Tensors.TryGetValue(name, out TensorInfo? info))
            {
                if (name != Sd15Layout.PositionIdsKey)
                {
                    problems.Add($"missing: {index.Display(name)} (expected {ShapeText(shape)})");
                    missing++;
                }
            }
            else if (!shape.AsSpan().SequenceEqual(info.Shape))
            {
                problems.Add($"shape: {index.Display(name)} is {info.ShapeText} but expected {ShapeText(shape)}");
                wrong++;
            }
            else if (name != Sd15Layout.PositionIdsKey && !IsFloat(info.DType))
            {
                problems.Add($"dtype: {index.Display(name)} is {info.DType} but expected a floating-point type");
                wrong++;
            }
        }

        var unexpected = index.Tensors.Values
            .Where(t => !expectedNames.Contains(t.Name) && !Sd15Layout.IsKnownExtra(t.Name))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => $"unexpected: {index.Display(t.Name)} {t.ShapeText}")
            .ToList();
        problems.AddRange(unexpected);
        if (problems.Count == 0)
        {
            return;
        }

        throw new WeightMismatchException(
            $"'{index.Path}' does not match the SD1.x layout: {missing} missing, {wrong} mis-shaped or mis-typed and " +
            $"{unexpected.Count} unexpected tensor(s) (of {expectedNames.Count} expected). First: {problems[0]}. " +
            Hint(index, config), problems);
    }

    private static string Hint(CheckpointIndex index, Sd15Config config)
    {
        if (index.TryShape(Sd15Layout.UNetPrefix + "input_blocks.0.0.weight", out long[]? convIn) &&
            convIn.Length == 4 && convIn[1] != config.UNet.InChannels)
        {
            return $"The UNet takes {convIn[1]} input channels but the config says {config.UNet.InChannels} " +
                   "(9 = inpainting, 8 = instruct-pix2pix); detect the config from the file instead.";
        }

        return "If the file is a complete SD1.x checkpoint, detect its config with DetectFromWeights; otherwise " +
               "download it again (compare its size and SHA-256 with the source).";
    }

    private static bool IsFloat(DType dtype) =>
        dtype is DType.F32 or DType.F16 or DType.BF16 or DType.F64 or DType.F8E4M3 or DType.F8E5M2;

    private static string ShapeText(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
