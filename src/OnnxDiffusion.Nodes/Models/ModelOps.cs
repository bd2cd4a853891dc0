using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Nodes.BuiltIn;
using OnnxDiffusion.Nodes.Values;
using OnnxDiffusion.Runtime.Components;
using OnnxDiffusion.Runtime.Imaging;
using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.Runtime.Sampling;
using OnnxDiffusion.Runtime.Sampling.Guidance;
using OnnxDiffusion.Runtime.Sampling.KSampler;
using OnnxDiffusion.Runtime.Training;

namespace OnnxDiffusion.Nodes.Models;

/// <summary>
/// What the model nodes do, on package-backed handles: text encoding, sampling, VAE encode/decode and the
/// inpainting preparation of ComfyUI's VAEEncodeForInpaint.
/// </summary>
internal static class ModelOps
{
    /// <summary>CLIPTextEncode: one entry, embedding <c>[1, T, D]</c>, pooled_output <c>[1, D]</c>.</summary>
    public static Conditioning EncodeText(PackageClip clip, string text)
    {
        TextContext context = clip.Loaded.Pipeline.Conditioner.Encode(text, clip.ClipSkip);
        FloatTensor? pooled = context.Pooled is null ? null : new FloatTensor([1, context.Pooled.Length], context.Pooled);
        var embedding = new FloatTensor([1, context.Tokens, context.Dim], context.Values);
        return new Conditioning([new ConditioningEntry(embedding, new ConditioningOptions { PooledOutput = pooled })]);
    }

    /// <summary>
    /// common_ksampler with full CONDITIONING lists (every entry, areas, strengths, step ranges; masks are
    /// refused). <paramref name="patches"/> are reference-context patches (innermost first) whose scaled tokens are
    /// appended to every positive context. A single plain positive and negative entry whose lengths ComfyUI can
    /// batch (at most a 4× repeat) take the fast path: one bound batch-2B UNet call per step
    /// (<see cref="OnnxUNetModel"/>); everything else runs <see cref="MultiConditioningDenoiser"/> on
    /// <see cref="OnnxContextUNetModel"/>. <paramref name="options"/> gets the package's latent scale.
    /// </summary>
    public static Latent Sample(PackageModel model, IReadOnlyList<ReferenceContextModel> patches,
        Conditioning positive, Conditioning negative, Latent latent, KSamplerOptions options,
        Action<long, long>? progress, CancellationToken cancellationToken)
    {
        DiffusionPackage package = model.Loaded.Package;
        options = options with { LatentScaleFactor = package.Manifest.LatentScale };
        bool cfgOne = Math.Abs(options.Cfg - 1.0) <= 1e-9 * Math.Max(Math.Abs(options.Cfg), 1.0);
        GuidanceConditioning guidance = BuildGuidance(positive, negative, patches, requireNegative: !cfgOne);
        FloatTensor samples = latent.Samples;
        var input = new LatentInput { Samples = samples, NoiseMask = latent.NoiseMask, BatchIndex = latent.BatchIndex };
        SamplingProgressCallback callback = (in SamplingProgress p) => progress?.Invoke(p.Step + 1, p.TotalSteps);
        FloatTensor result;
        if (FastPair(guidance, cfgOne) is var (pos, neg))
        {
            var shape = new LatentShape(samples.Shape[0], samples.Shape[2], samples.Shape[3]);
            using UNetRunner runner = package.UNet();
            using var unet = new OnnxUNetModel(runner, pos, neg, shape, package.Prediction, package.ModelSampling,
                cancellationToken);
            if (runner.InChannels > 4)
            {
                // 9-channel inpainting UNets: no concat latent here (ComfyUI's InpaintModelConditioning is not
                // implemented), so mask and masked-image channels are zero.
                unet.SetExtraChannels(new float[shape.Batch * (runner.InChannels - 4) * shape.Height * shape.Width]);
            }

            result = CommonKSampler.Sample(unet, input, options, callback, cancellationToken);
        }
        else
        {
            using var unet = new OnnxContextUNetModel(
                package.UNet, package.Prediction, package.ModelSampling, cancellationToken);
            result = CommonKSampler.Sample(unet, guidance, input, options, callback, cancellationToken);
        }

        return latent with { Samples = result };
    }

    /// <summary>
    /// The sampler's view of CONDITIONING: first batch item of every embedding, area, strength and step range;
    /// each patch appends scale · tokens to every positive context (<see cref="ReferenceContextPatch.Apply"/>).
    /// </summary>
    /// <exception cref="InvalidInputException">
    /// Positive is empty, negative is empty while <paramref name="requireNegative"/>, an entry has a mask, or a
    /// patch's token width differs from the context width.
    /// </exception>
    public static GuidanceConditioning BuildGuidance(Conditioning positive, Conditioning negative,
        IReadOnlyList<ReferenceContextModel> patches, bool requireNegative = true)
    {
        ArgumentNullException.ThrowIfNull(positive);
        ArgumentNullException.ThrowIfNull(negative);
        ArgumentNullException.ThrowIfNull(patches);
        if (positive.Entries.Count == 0 || (requireNegative && negative.Entries.Count == 0))
        {
            string name = positive.Entries.Count == 0 ? "positive" : "negative";
            throw new InvalidInputException($"The {name} conditioning is empty; connect a CLIPTextEncode.");
        }

        var pos = positive.Entries.Select(e => ToGuidance(e, patches));
        var neg = negative.Entries.Select(e => ToGuidance(e, []));
        return new GuidanceConditioning(pos, neg);
    }

    /// <summary>
    /// Peels <see cref="ReferenceContextModel"/> layers off <paramref name="handle"/>: the package model and the
    /// patches, innermost first.
    /// </summary>
    public static (PackageModel Model, IReadOnlyList<ReferenceContextModel> Patches) Unwrap(IModelHandle handle)
    {
        var patches = new List<ReferenceContextModel>();
        while (handle is ReferenceContextModel patched)
        {
            patches.Insert(0, patched);
            handle = patched.Inner;
        }

        return (Handles.Model(handle), patches);
    }

    private static GuidanceEntry ToGuidance(ConditioningEntry entry, IReadOnlyList<ReferenceContextModel> patches)
    {
        ConditioningOptions o = entry.Options;
        if (o.Mask is not null)
        {
            throw new InvalidInputException(
                "Conditioning masks (ConditioningSetMask) are not supported by this KSampler yet; use " +
                "ConditioningSetArea instead.");
        }

        FloatTensor e = entry.Embedding;
        int tokens = e.Shape[^2], dim = e.Shape[^1];
        var context = new TextContext(e.Data[..(tokens * dim)], tokens, dim, o.PooledOutput?.Data);
        foreach (ReferenceContextModel patch in patches)
        {
            try
            {
                context = ReferenceContextPatch.Apply(context, patch.Tokens, (float)patch.Scale);
            }
            catch (ArgumentException ex)
            {
                throw new InvalidInputException(ex.Message, ex);
            }
        }

        return new GuidanceEntry(context)
        {
            Area = o.Area is ConditioningArea a ? new LatentArea(a.Height, a.Width, a.Y, a.X) : null,
            Strength = o.Strength ?? 1.0,
            StartPercent = o.StartPercent,
            EndPercent = o.EndPercent,
        };
    }

    /// <summary>
    /// The contexts of the fast path (negative null when cfg is 1), or null when the conditioning needs the
    /// general path: more than one entry, an area, a strength or step range, or lengths ComfyUI would not batch.
    /// </summary>
    internal static (TextContext Positive, TextContext? Negative)? FastPair(GuidanceConditioning guidance, bool cfgOne)
    {
        if (guidance.Positive is not [{ IsPlain: true } positive])
        {
            return null;
        }

        if (cfgOne)
        {
            // A negative area entry would add a matching positive entry, so only area-free negatives qualify.
            return guidance.Negative.All(e => e.Area is null) ? (positive.Context, null) : null;
        }

        if (guidance.Negative is not [{ IsPlain: true } negative] || negative.Context.Dim != positive.Context.Dim)
        {
            return null;
        }

        int a = positive.Context.Tokens, b = negative.Context.Tokens;
        int lcm = a / Gcd(a, b) * b;
        if (lcm / a > 4 || lcm / b > 4)
        {
            return null;
        }

        return TextContext.EqualizeLengths(positive.Context, negative.Context);
    }

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);

    /// <summary>VAEDecode: IMAGE <c>[B, H, W, 3]</c> in 0..1.</summary>
    public static FloatTensor Decode(PackageVae vae, Latent latent, CancellationToken cancellationToken) =>
        vae.Loaded.Pipeline.Decode(latent.Samples, cancellationToken);

    /// <summary>VAEEncode: first 3 channels, centre-cropped to multiples of 8, posterior mean.</summary>
    public static Latent Encode(PackageVae vae, FloatTensor pixels, CancellationToken cancellationToken)
    {
        FloatTensor cropped = CropToMultipleOf8(pixels);
        return new Latent(vae.Loaded.Pipeline.Encode(cropped, cancellationToken));
    }

    /// <summary>
    /// VAEEncodeForInpaint: the mask is resized bilinearly to the pixels, both are centre-cropped to multiples
    /// of 8, pixels under mask.round() == 1 become 0.5, and the mask grown by a k×k box (k =
    /// <paramref name="growMaskBy"/>) becomes the noise mask.
    /// </summary>
    public static Latent EncodeForInpaint(
        PackageVae vae, FloatTensor pixels, FloatTensor mask, int growMaskBy, CancellationToken cancellationToken)
    {
        int b = pixels.Shape[0], h = pixels.Shape[1], w = pixels.Shape[2];
        int mb = mask.Rank == 3 ? mask.Shape[0] : 1;
        FloatTensor resized = ImageResize.Resize(
            new FloatTensor([mb, 1, mask.Shape[^2], mask.Shape[^1]], mask.Data), w, h, ResizeMethod.Bilinear);
        FloatTensor image = CropToMultipleOf8(pixels);
        int ch = h / 8 * 8, cw = w / 8 * 8, oy = h % 8 / 2, ox = w % 8 / 2;
        var rounded = new float[mb * ch * cw];
        for (int m = 0; m < mb; m++)
        {
            for (int y = 0; y < ch; y++)
            {
                for (int x = 0; x < cw; x++)
                {
                    rounded[(m * ch + y) * cw + x] =
                        MathF.Round(resized.Data[(m * h + y + oy) * w + x + ox], MidpointRounding.ToEven);
                }
            }
        }

        for (int i = 0; i < b; i++)
        {
            int m = Math.Min(i, mb - 1);
            for (int p = 0; p < ch * cw; p++)
            {
                float keep = 1f - rounded[m * ch * cw + p];
                for (int c = 0; c < 3; c++)
                {
                    int at = (i * ch * cw + p) * 3 + c;
                    image.Data[at] = (image.Data[at] - 0.5f) * keep + 0.5f;
                }
            }
        }

        FloatTensor noiseMask = Grow(rounded, mb, ch, cw, growMaskBy);
        return new Latent(vae.Loaded.Pipeline.Encode(image, cancellationToken)) { NoiseMask = noiseMask };
    }

    /// <summary>k×k ones-convolution with padding ceil((k−1)/2), clamped to 0..1, cropped to h×w, rounded.</summary>
    internal static FloatTensor Grow(float[] mask, int batch, int h, int w, int k)
    {
        var result = new FloatTensor(batch, 1, h, w);
        int pad = (k - 1 + 1) / 2;
        for (int m = 0; m < batch; m++)
        {
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    float sum = 0;
                    for (int i = 0; k > 0 && i < k; i++)
                    {
                        for (int j = 0; j < k; j++)
                        {
                            int sy = y + i - pad, sx = x + j - pad;
                            sum += sy >= 0 && sy < h && sx >= 0 && sx < w ? mask[(m * h + sy) * w + sx] : 0f;
                        }
                    }

                    float v = k == 0 ? mask[(m * h + y) * w + x] : Math.Clamp(sum, 0f, 1f);
                    result.Data[(m * h + y) * w + x] = MathF.Round(v, MidpointRounding.ToEven);
                }
            }
        }

        return result;
    }

    private static FloatTensor CropToMultipleOf8(FloatTensor pixels)
    {
        int b = pixels.Shape[0], h = pixels.Shape[1], w = pixels.Shape[2], c = pixels.Shape[3];
        int ch = h / 8 * 8, cw = w / 8 * 8, oy = h % 8 / 2, ox = w % 8 / 2;
        if (ch == 0 || cw == 0)
        {
            throw new InvalidInputException($"VAE encode needs images of at least 8×8 pixels; got {w}×{h}.");
        }

        var result = new FloatTensor(b, ch, cw, 3);
        for (int i = 0; i < b; i++)
        {
            for (int y = 0; y < ch; y++)
            {
                for (int x = 0; x < cw; x++)
                {
                    for (int k = 0; k < 3; k++)
                    {
                        result.Data[((i * ch + y) * cw + x) * 3 + k] =
                            pixels.Data[((i * h + y + oy) * w + x + ox) * c + Math.Min(k, c - 1)];
                    }
                }
            }
        }

        return result;
    }
}
