using System.Numerics.Tensors;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Runtime.Sampling.Guidance;

/// <summary>
/// D(x, σ) for full CONDITIONING lists, as ComfyUI's <c>sampling_function</c> → <c>_calc_cond_batch</c> computes
/// it (comfyui-spec.md §2b): after the matching-area pass (<see cref="GuidanceConditioning.WithMatchingAreas"/>)
/// every entry predicts on its area (the crop of x/√(σ²+1)); each prediction is turned into a denoised estimate
/// of its crop and added with its weight mask (strength, times a linear feather of min(8, size/4) latent pixels
/// on area edges that do not touch the latent border) into a per-side sum; each side is Σ D·m / (1e-37 + Σ m),
/// and D = D_neg + (D_pos − D_neg)·cfg. The negative list is skipped when cfg is 1 (<c>math.isclose</c>).
/// Entries outside their start/end percent range are skipped.
/// <para>
/// Batching: entries (positive and negative) whose crop size and context shape agree share one UNet call (rows
/// stacked); entries with different context lengths or areas get separate calls. ComfyUI instead repeats shorter
/// contexts to a common length to batch them, which gives the same attention, so results agree up to float
/// rounding. Entries with a step range always get their own call so that skipped ones cost nothing.
/// </para>
/// <para>
/// Sizes: when an area's height or width is not a multiple of <see cref="IContextUNetModel.SizeMultiple"/>, the
/// UNet runs on a window rounded up to the multiple (centred on the area, shifted inside the latent) and only the
/// area's part of that prediction is used. ComfyUI's UNet accepts any size, so such areas see a little more of
/// their surroundings here than in ComfyUI.
/// </para>
/// Buffers are allocated in the constructor; a step allocates nothing. Not thread-safe.
/// </summary>
public sealed class MultiConditioningDenoiser : IDenoiser
{
    private const float CountEpsilon = 1e-37f;

    private readonly IContextUNetModel _model;
    private readonly int _batch;
    private readonly int _channels;
    private readonly int _height;
    private readonly int _width;
    private readonly float _cfg;
    private readonly bool _withNegative;
    private readonly float[] _input;
    private readonly float[][] _sums;
    private readonly float[][] _counts;
    private readonly Call[] _calls;

    /// <summary>Creates the denoiser for latents of <paramref name="latentShape"/> <c>[B, C, H, W]</c>.</summary>
    /// <exception cref="InvalidInputException">
    /// The positive list is empty or an area lies outside the latent.
    /// </exception>
    public MultiConditioningDenoiser(
        IContextUNetModel model, GuidanceConditioning conditioning, ReadOnlySpan<int> latentShape, double cfg)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(conditioning);
        if (conditioning.Positive.Count == 0)
        {
            throw new InvalidInputException("The positive conditioning is empty; connect a CLIPTextEncode.");
        }

        _model = model;
        (_batch, _channels, _height, _width) = (latentShape[0], latentShape[1], latentShape[2], latentShape[3]);
        _cfg = (float)cfg;
        _withNegative = !CfgDenoiser.IsClose(cfg, 1.0);
        int length = _batch * _channels * _height * _width;
        _input = new float[length];
        int sides = _withNegative ? 2 : 1;
        _sums = new float[sides][];
        _counts = new float[sides][];
        for (int s = 0; s < sides; s++)
        {
            _sums[s] = new float[length];
            _counts[s] = new float[length];
        }

        GuidanceConditioning resolved = conditioning.WithMatchingAreas();
        var members = new List<Member>();
        members.AddRange(resolved.Positive.Select(e => CreateMember(e, 0)));
        if (_withNegative)
        {
            members.AddRange(resolved.Negative.Select(e => CreateMember(e, 1)));
        }

        _calls = Group(members);
    }

    /// <summary>True when the negative list is evaluated (cfg is not 1).</summary>
    public bool UsesNegative => _withNegative;

    /// <summary>Number of UNet calls per step when every entry is active.</summary>
    public int CallsPerStep => _calls.Length;

    /// <inheritdoc />
    public void Denoise(ReadOnlySpan<float> x, float sigma, Span<float> denoised)
    {
        int n = _input.Length;
        if (x.Length != n || denoised.Length != n)
        {
            throw new ArgumentException(
                $"Expected latents of {n} values, got x {x.Length}, denoised {denoised.Length}.");
        }

        TensorPrimitives.Divide(x, MathF.Sqrt((sigma * sigma) + 1f), _input);
        float timestep = _model.ModelSampling.Timestep(sigma);
        for (int s = 0; s < _sums.Length; s++)
        {
            _sums[s].AsSpan().Clear();
            _counts[s].AsSpan().Fill(CountEpsilon);
        }

        foreach (Call call in _calls)
        {
            if (call.Members.Length == 1 && !call.Members[0].IsActive(sigma))
            {
                continue;
            }

            int block = _batch * _channels * call.Height * call.Width;
            for (int j = 0; j < call.Members.Length; j++)
            {
                Gather(_input, call.Members[j].Window, call.Sample.AsSpan(j * block, block));
                Gather(x, call.Members[j].Window, call.XCrop.AsSpan(j * block, block));
            }

            _model.Predict(call.Id, call.Sample, timestep, call.Output);
            CfgDenoiser.ToDenoised(_model.Prediction, call.XCrop, sigma, call.Output, call.Output);
            for (int j = 0; j < call.Members.Length; j++)
            {
                Accumulate(call.Output.AsSpan(j * block, block), call.Members[j]);
            }
        }

        TensorPrimitives.Divide(_sums[0], _counts[0], denoised);
        if (_withNegative)
        {
            Span<float> negative = _sums[1];
            TensorPrimitives.Divide(negative, _counts[1], negative);
            // uncond + (cond − uncond)·cfg
            TensorPrimitives.Subtract(denoised, negative, denoised);
            TensorPrimitives.MultiplyAdd(denoised, _cfg, negative, denoised);
        }
    }

    /// <summary>
    /// ComfyUI's weight mask of an entry on its (clamped) crop <c>[h, w]</c>: strength, times (t+1)/rr on the
    /// t-th row or column from an edge that does not touch the latent border, rr = min(8, size / 4).
    /// </summary>
    internal static float[] WeightMask(LatentArea? area, double strength, int height, int width)
    {
        (int h, int w, int y0, int x0) = area is LatentArea a ? (a.Height, a.Width, a.Y, a.X) : (height, width, 0, 0);
        var mask = new float[h * w];
        mask.AsSpan().Fill((float)strength);
        if (area is null)
        {
            return mask;
        }

        int rows = Math.Min(8, h / 4);
        int columns = Math.Min(8, w / 4);
        for (int t = 0; t < rows; t++)
        {
            float f = (float)(1.0 / rows * (t + 1));
            if (y0 != 0)
            {
                TensorPrimitives.Multiply(mask.AsSpan(t * w, w), f, mask.AsSpan(t * w, w));
            }

            if (y0 + h < height)
            {
                int row = h - 1 - t;
                TensorPrimitives.Multiply(mask.AsSpan(row * w, w), f, mask.AsSpan(row * w, w));
            }
        }

        for (int t = 0; t < columns; t++)
        {
            float f = (float)(1.0 / columns * (t + 1));
            for (int y = 0; y < h; y++)
            {
                if (x0 != 0)
                {
                    mask[(y * w) + t] *= f;
                }

                if (x0 + w < width)
                {
                    mask[(y * w) + w - 1 - t] *= f;
                }
            }
        }

        return mask;
    }

    private Member CreateMember(GuidanceEntry entry, int side)
    {
        LatentArea? area = null;
        if (entry.Area is LatentArea a)
        {
            // get_area_and_mult: the size is clamped to what is left of the latent after the offset.
            int h = Math.Min(_height - a.Y, a.Height);
            int w = Math.Min(_width - a.X, a.Width);
            if (h <= 0 || w <= 0 || a.Y < 0 || a.X < 0)
            {
                throw new InvalidInputException(
                    $"Conditioning area (x {a.X * 8}, y {a.Y * 8}, {a.Width * 8}×{a.Height * 8} pixels) lies outside " +
                    $"the {_width * 8}×{_height * 8} image; move it inside the image.");
            }

            area = new LatentArea(h, w, a.Y, a.X);
        }

        double start = entry.StartPercent is double sp ? PercentToSigma(sp) : double.PositiveInfinity;
        double end = entry.EndPercent is double ep ? PercentToSigma(ep) : double.NegativeInfinity;
        float[] mask = WeightMask(area, entry.Strength, _height, _width);
        var crop = area ?? new LatentArea(_height, _width, 0, 0);
        int multiple = Math.Max(1, _model.SizeMultiple);
        (int wy, int wh) = Window(crop.Y, crop.Height, _height, multiple);
        (int wx, int ww) = Window(crop.X, crop.Width, _width, multiple);
        return new Member(entry, side, crop, new LatentArea(wh, ww, wy, wx), mask, start, end);
    }

    /// <summary>
    /// The run window along one axis: the area itself when its size is a multiple of <paramref name="multiple"/>,
    /// else the size rounded up (at most the latent size), centred on the area and shifted inside the latent.
    /// </summary>
    internal static (int Offset, int Size) Window(int offset, int size, int full, int multiple)
    {
        if (size % multiple == 0)
        {
            return (offset, size);
        }

        int window = Math.Min(full, (size + multiple - 1) / multiple * multiple);
        int start = Math.Clamp(offset - ((window - size) / 2), 0, full - window);
        return (start, window);
    }

    /// <summary>ComfyUI <c>ModelSamplingDiscrete.percent_to_sigma</c>.</summary>
    private double PercentToSigma(double percent)
    {
        if (percent <= 0.0)
        {
            return 999999999.9;
        }

        return percent >= 1.0 ? 0.0 : _model.ModelSampling.Sigma((float)((1.0 - percent) * 999.0));
    }

    private Call[] Group(List<Member> members)
    {
        var groups = new List<List<Member>>();
        foreach (Member member in members)
        {
            List<Member>? group = member.Timed ? null : groups.FirstOrDefault(g => !g[0].Timed
                && g[0].Window.Height == member.Window.Height && g[0].Window.Width == member.Window.Width
                && g[0].Entry.Context.Tokens == member.Entry.Context.Tokens
                && g[0].Entry.Context.Dim == member.Entry.Context.Dim);
            if (group is null)
            {
                groups.Add([member]);
            }
            else
            {
                group.Add(member);
            }
        }

        return groups.Select(g =>
        {
            LatentArea window = g[0].Window;
            int id = _model.Prepare(g.Select(m => m.Entry.Context).ToArray(), _batch, window.Height, window.Width);
            int length = g.Count * _batch * _channels * window.Height * window.Width;
            return new Call(id, g.ToArray(), window.Height, window.Width, length);
        }).ToArray();
    }

    /// <summary>Copies window <paramref name="a"/> of <paramref name="full"/> <c>[B, C, H, W]</c> into
    /// <paramref name="crop"/>.</summary>
    private void Gather(ReadOnlySpan<float> full, LatentArea a, Span<float> crop)
    {
        int planes = _batch * _channels;
        for (int p = 0; p < planes; p++)
        {
            for (int y = 0; y < a.Height; y++)
            {
                full.Slice((((p * _height) + a.Y + y) * _width) + a.X, a.Width)
                    .CopyTo(crop.Slice(((p * a.Height) + y) * a.Width, a.Width));
            }
        }
    }

    /// <summary>
    /// Adds denoised·mask into the side's sum and mask into its count, on the member's area;
    /// <paramref name="denoised"/> covers the member's window.
    /// </summary>
    private void Accumulate(ReadOnlySpan<float> denoised, Member member)
    {
        LatentArea a = member.Crop;
        LatentArea w = member.Window;
        int dy = a.Y - w.Y, dx = a.X - w.X;
        float[] sum = _sums[member.Side];
        float[] count = _counts[member.Side];
        int planes = _batch * _channels;
        for (int p = 0; p < planes; p++)
        {
            for (int y = 0; y < a.Height; y++)
            {
                int at = (((p * _height) + a.Y + y) * _width) + a.X;
                ReadOnlySpan<float> weights = member.Mask.AsSpan(y * a.Width, a.Width);
                ReadOnlySpan<float> values = denoised.Slice((((p * w.Height) + dy + y) * w.Width) + dx, a.Width);
                for (int i = 0; i < a.Width; i++)
                {
                    sum[at + i] += values[i] * weights[i];
                    count[at + i] += weights[i];
                }
            }
        }
    }

    /// <summary>One entry on one side, with its clamped area, run window, weight mask and σ range.</summary>
    private sealed record Member(
        GuidanceEntry Entry, int Side, LatentArea Crop, LatentArea Window, float[] Mask, double SigmaStart,
        double SigmaEnd)
    {
        public bool Timed => Entry.StartPercent is not null || Entry.EndPercent is not null;

        public bool IsActive(float sigma) => !(sigma > SigmaStart) && !(sigma < SigmaEnd);
    }

    /// <summary>One prepared UNet call: members stacked along the batch, with their scratch buffers.</summary>
    private sealed class Call(int id, Member[] members, int height, int width, int length)
    {
        public int Id { get; } = id;

        public Member[] Members { get; } = members;

        public int Height { get; } = height;

        public int Width { get; } = width;

        public float[] Sample { get; } = new float[length];

        public float[] XCrop { get; } = new float[length];

        public float[] Output { get; } = new float[length];
    }
}
