using System.Globalization;
using System.Text;

namespace OnnxDiffusion.Runtime.Onnx;

/// <summary>
/// A TensorRT optimization profile: min/opt/max shapes per dynamic input, rendered as ORT's
/// <c>trt_profile_{min,opt,max}_shapes</c> strings (<c>name:d0xd1x…,name2:…</c>).
/// </summary>
public sealed class ShapeProfile
{
    private readonly SortedDictionary<string, (long[] Min, long[] Opt, long[] Max)> _inputs =
        new(StringComparer.Ordinal);

    /// <summary>Adds an input's three shapes (same rank, min ≤ opt ≤ max per dimension).</summary>
    /// <exception cref="ArgumentException">Ranks differ or the bounds are out of order.</exception>
    public ShapeProfile Add(string input, long[] min, long[] opt, long[] max)
    {
        if (min.Length != opt.Length || opt.Length != max.Length)
        {
            throw new ArgumentException($"Profile shapes of '{input}' have different ranks.", nameof(input));
        }

        for (int i = 0; i < min.Length; i++)
        {
            if (min[i] <= 0 || min[i] > opt[i] || opt[i] > max[i])
            {
                throw new ArgumentException(
                    $"Profile of '{input}' dimension {i} needs 0 < min ≤ opt ≤ max, got {min[i]}, {opt[i]}, {max[i]}.",
                    nameof(input));
            }
        }

        _inputs[input] = (min, opt, max);
        return this;
    }

    /// <summary>Inputs covered, sorted.</summary>
    public IEnumerable<string> Inputs => _inputs.Keys;

    /// <summary><c>trt_profile_min_shapes</c> value.</summary>
    public string MinShapes => Render(0);

    /// <summary><c>trt_profile_opt_shapes</c> value.</summary>
    public string OptShapes => Render(1);

    /// <summary><c>trt_profile_max_shapes</c> value.</summary>
    public string MaxShapes => Render(2);

    /// <summary>
    /// The UNet profile for images of <paramref name="width"/>×<paramref name="height"/>: batch covers
    /// <paramref name="batch"/> (×2 when <paramref name="cfg"/> batches cond and uncond), latent = image / 8,
    /// and the text sequence covers <paramref name="maxTokenChunks"/> × 77 tokens.
    /// </summary>
    public static ShapeProfile ForUNet(
        int width, int height, int batch, bool cfg, int latentChannels = 4, int contextDim = 768,
        int maxTokenChunks = 1)
    {
        long b = batch * (cfg ? 2 : 1);
        long h = height / 8;
        long w = width / 8;
        long seqMax = 77L * Math.Max(1, maxTokenChunks);
        return new ShapeProfile()
            .Add("sample", [1, latentChannels, h, w], [b, latentChannels, h, w], [b, latentChannels, h, w])
            .Add("timestep", [1], [b], [b])
            .Add("encoder_hidden_states", [1, 77, contextDim], [b, 77, contextDim], [b, seqMax, contextDim]);
    }

    private string Render(int which)
    {
        var sb = new StringBuilder();
        foreach (var (name, shapes) in _inputs)
        {
            long[] dims = which switch { 0 => shapes.Min, 1 => shapes.Opt, _ => shapes.Max };
            if (sb.Length > 0)
            {
                sb.Append(',');
            }

            sb.Append(name).Append(':');
            sb.AppendJoin('x', dims.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        }

        return sb.ToString();
    }
}
