using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Runtime.Onnx;
using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.Runtime.Sampling;

namespace OnnxDiffusion.Runtime.Tests.Pipelines;

/// <summary>End-to-end txt2img, img2img and inpainting on tiny synthetic packages (64×64 images, few steps).</summary>
[Category("Integration")]
public sealed class StableDiffusionPipelineTests
{
    private const int Size = 64;

    private static GenerationRequest Request(ulong seed = 1) => new()
    {
        Prompt = "a cat sitting on a mat", NegativePrompt = "blurry", Width = Size, Height = Size, Steps = 4,
        Cfg = 7, Seed = seed,
    };

    private static StableDiffusionPipeline Pipeline(string package) => new(TinyPackages.Open(package));

    private static FloatTensor Generate(GenerationRequest request, string? package = null) =>
        Pipeline(package ?? TinyPackages.Standard).Generate(request).Images;

    [Test]
    public void Txt2Img_TinyPackage_GivesFiniteImageInRangeWithOneUNetCallPerStep()
    {
        GenerationResult result = Pipeline(TinyPackages.Standard).Generate(Request());

        Assert.That(result.Images.Shape, Is.EqualTo(new[] { 1, Size, Size, 3 }));
        Assert.That(result.Latents.Shape, Is.EqualTo(new[] { 1, 4, Size / 8, Size / 8 }));
        Assert.That(result.Images.Data, Has.All.InRange(0f, 1f));
        Assert.That(result.Latents.Data.All(float.IsFinite), Is.True);
        Assert.That(result.UNetEvaluations, Is.EqualTo(4), "euler: one batched CFG call per step");
        Assert.That(result.StepTimes, Has.Count.EqualTo(4));
        Assert.That(result.Timings.Keys, Is.SupersetOf(new[] { "text_encoder", "unet", "vae_decoder" }));
        float spread = result.Images.Data.Max() - result.Images.Data.Min();
        Assert.That(spread, Is.GreaterThan(0.01f), "a constant image means the pipeline lost the signal");
    }

    [Test]
    public void Generate_SameSeed_GivesIdenticalPixels_DifferentSeed_DifferentPixels()
    {
        FloatTensor a = Generate(Request(seed: 5));
        FloatTensor b = Generate(Request(seed: 5));
        FloatTensor c = Generate(Request(seed: 6));

        Assert.That(b.Data, Is.EqualTo(a.Data), "same seed must reproduce bit for bit");
        Assert.That(PlainOrt.MaxAbsDiff(a.Data, c.Data), Is.GreaterThan(1e-3f));
    }

    [Test]
    public void Img2Img_Denoise075_RunsTheTailOfALongerScheduleFromTheEncodedImage()
    {
        FloatTensor picture = PlainOrt.Picture(Size, Size);
        var request = Request() with { InitImage = picture, Denoise = 0.75 };
        GenerationResult result = Pipeline(TinyPackages.Standard).Generate(request);
        FloatTensor txt2img = Generate(Request());

        // ComfyUI: int(4 / 0.75) = 5 steps planned, the last 4 run.
        Assert.That(result.UNetEvaluations, Is.EqualTo(4));
        Assert.That(result.Timings.Keys, Does.Contain("vae_encoder"));
        Assert.That(result.Images.Data, Has.All.InRange(0f, 1f));
        Assert.That(PlainOrt.MaxAbsDiff(result.Images.Data, txt2img.Data), Is.GreaterThan(1e-3f));
    }

    [Test]
    public void Img2Img_DenoiseZero_ReturnsTheVaeRoundTripOfTheSource()
    {
        // denoise 0 gives an empty σ list: ComfyUI returns the input latent untouched, so the output is
        // decode(encode(image)) — computed here with plain ORT calls, independent of the pipeline's code.
        FloatTensor picture = PlainOrt.Picture(Size, Size);
        DiffusionPackage package = TinyPackages.Open(TinyPackages.Standard);
        GenerationResult result = new StableDiffusionPipeline(package)
            .Generate(Request() with { InitImage = picture, Denoise = 0 });
        var (expected, latents) = PlainOrt.VaeRoundTrip(package.Session(PackageLayout.VaeEncoder).Session,
            package.Session(PackageLayout.VaeDecoder).Session, picture);

        Assert.That(result.UNetEvaluations, Is.Zero);
        Assert.That(PlainOrt.MaxAbsDiff(result.Latents.Data, latents), Is.LessThanOrEqualTo(1e-6f));
        Assert.That(PlainOrt.MaxAbsDiff(result.Images.Data, expected.Data), Is.LessThanOrEqualTo(1e-6f));
    }

    [Test]
    public void Inpaint_LeftHalfMasked_KeepsUnmaskedLatentsAndRegeneratesMaskedOnes()
    {
        FloatTensor picture = PlainOrt.Picture(Size, Size);
        var mask = new FloatTensor(1, Size, Size);
        for (int y = 0; y < Size; y++)
        {
            mask.Data.AsSpan(y * Size, Size / 2).Fill(1f); // 1 = regenerate the left half
        }

        DiffusionPackage package = TinyPackages.Open(TinyPackages.Standard);
        GenerationResult result = new StableDiffusionPipeline(package)
            .Generate(Request() with { InitImage = picture, Mask = mask });
        var (roundTrip, source) = PlainOrt.VaeRoundTrip(package.Session(PackageLayout.VaeEncoder).Session,
            package.Session(PackageLayout.VaeDecoder).Session, picture);

        const int Latent = Size / 8;
        double keptDiff = 0, maskedDiff = 0;
        for (int i = 0; i < source.Length; i++)
        {
            bool masked = i % Latent < Latent / 2; // the 64→8 bilinear mask is exactly 1 left, 0 right
            double diff = Math.Abs(result.Latents.Data[i] - source[i]);
            if (masked)
            {
                maskedDiff = Math.Max(maskedDiff, diff);
            }
            else
            {
                keptDiff = Math.Max(keptDiff, diff);
            }
        }

        Assert.That(keptDiff, Is.LessThanOrEqualTo(1e-4), "unmasked latents must equal the source latents");
        Assert.That(maskedDiff, Is.GreaterThan(0.05), "masked latents must be regenerated");
        // In pixels the guarantee is weaker: the decoder sees every latent (the tiny synthetic VAE has a global
        // mid-block attention), so unmasked pixels move too, only less than the regenerated ones.
        var (kept, regenerated) = RegionMeans(result.Images, roundTrip, Size);
        Assert.That(kept, Is.LessThan(regenerated),
            $"mean |Δ| vs the VAE round trip: unmasked {kept:0.0000}, masked {regenerated:0.0000}");
    }

    [Test]
    public void Batch2_FirstItemEqualsBatch1Run_SecondItemDiffers()
    {
        // One randn call fills the batch in memory order; with C·H·W = 256 (a multiple of 16) its first half is
        // exactly the batch-1 noise, and the UNet treats rows independently.
        FloatTensor one = Generate(Request());
        FloatTensor two = Generate(Request() with { Batch = 2 });
        int item = one.Length;

        Assert.That(two.Shape, Is.EqualTo(new[] { 2, Size, Size, 3 }));
        Assert.That(PlainOrt.MaxAbsDiff(two.Data.AsSpan(0, item), one.Data), Is.LessThanOrEqualTo(1e-4f));
        Assert.That(PlainOrt.MaxAbsDiff(two.Data.AsSpan(item, item), one.Data), Is.GreaterThan(1e-3f));
    }

    [Test]
    public void Cfg1_EqualsGuidanceWithANegativeEqualToThePositive_ButOnlyBindsOneRow()
    {
        // D = D_neg + (D_pos − D_neg)·cfg = D_pos when both prompts are the same: the cfg = 1 shortcut (one UNet
        // row, no negative) must give the same image as the full CFG path.
        GenerationRequest baseRequest = Request() with { NegativePrompt = Request().Prompt };
        FloatTensor guided = Generate(baseRequest);
        FloatTensor single = Generate(baseRequest with { Cfg = 1 });
        FloatTensor other = Generate(Request());

        Assert.That(PlainOrt.MaxAbsDiff(single.Data, guided.Data), Is.LessThanOrEqualTo(1e-4f));
        Assert.That(PlainOrt.MaxAbsDiff(other.Data, guided.Data), Is.GreaterThan(1e-3f));
    }

    [Test]
    public void ReferenceContext_CopyOfThePositiveContext_LeavesTheImageUnchanged_ScaledCopyChangesIt()
    {
        // Attention over [C; C] equals attention over C (each key appears twice: the softmax weights halve, the
        // weighted sum of values is the same), so appending the positive context to itself at scale 1 must give
        // the unpatched image, now through separate 154-token and 77-token UNet calls instead of one batched call.
        StableDiffusionPipeline pipeline = Pipeline(TinyPackages.Standard);
        TextContext positive = pipeline.Conditioner.Encode(Request().Prompt);
        var copy = new Core.Training.ContextTokens((float[])positive.Values.Clone(), positive.Tokens, positive.Dim);
        GenerationResult plain = pipeline.Generate(Request());
        GenerationResult same = pipeline.Generate(Request() with { ReferenceContext = copy });
        GenerationResult scaled = pipeline.Generate(Request() with { ReferenceContext = copy, ReferenceContextScale = 0.5 });

        Assert.That(same.UNetEvaluations, Is.EqualTo(2 * plain.UNetEvaluations), "unequal lengths: two calls a step");
        Assert.That(PlainOrt.MaxAbsDiff(same.Images.Data, plain.Images.Data), Is.LessThanOrEqualTo(1e-4f));
        Assert.That(PlainOrt.MaxAbsDiff(scaled.Images.Data, plain.Images.Data), Is.GreaterThan(1e-3f));
    }

    [Test]
    public void LongPrompt_Over75Tokens_Gives154TokenContextAndGenerates()
    {
        string prompt = string.Join(", ", Enumerable.Range(0, 40).Select(i => $"word{i}"));
        StableDiffusionPipeline pipeline = Pipeline(TinyPackages.Standard);
        TextContext context = pipeline.Conditioner.Encode(prompt);
        GenerationResult result = pipeline.Generate(Request() with { Prompt = prompt });

        Assert.That(context.Tokens, Is.EqualTo(154));
        Assert.That(context.Values, Has.Length.EqualTo(154 * context.Dim));
        Assert.That(result.Images.Data, Has.All.InRange(0f, 1f));
        Assert.That(PlainOrt.MaxAbsDiff(result.Images.Data, Generate(Request()).Data), Is.GreaterThan(1e-3f));
    }

    [Test]
    public void InpaintingPackage_NineChannels_RunsTxt2ImgAndInpaint()
    {
        StableDiffusionPipeline pipeline = Pipeline(TinyPackages.Inpainting);
        FloatTensor picture = PlainOrt.Picture(Size, Size);
        var mask = new FloatTensor(1, Size, Size);
        mask.Data.AsSpan(0, Size * Size / 2).Fill(1f); // top half

        GenerationResult txt2img = pipeline.Generate(Request());
        GenerationResult inpaint = pipeline.Generate(Request() with { InitImage = picture, Mask = mask });

        Assert.That(txt2img.UNetEvaluations, Is.EqualTo(4));
        Assert.That(inpaint.Images.Data, Has.All.InRange(0f, 1f));
        Assert.That(inpaint.Latents.Data.All(float.IsFinite), Is.True);
        Assert.That(PlainOrt.MaxAbsDiff(inpaint.Images.Data, txt2img.Images.Data), Is.GreaterThan(1e-3f));
    }

    [Test]
    public void ReleaseAfterUse_FreesEverySessionAfterItsStage_AndGivesTheSameImages()
    {
        var config = new SessionConfig { ReleaseAfterUse = true };
        using var package = DiffusionPackage.Open(TinyPackages.Standard, config);
        var pipeline = new StableDiffusionPipeline(package);
        var loaded = new List<string>();
        void Progress(in SamplingProgress p) =>
            loaded.Add(string.Join(",", PackageLayout.Components.Where(package.IsLoaded)));

        FloatTensor first = pipeline.Generate(Request() with { InitImage = PlainOrt.Picture(Size, Size) }, Progress).Images;
        FloatTensor second = pipeline.Generate(Request()).Images;

        Assert.That(loaded, Has.All.EqualTo(PackageLayout.UNet), "only the UNet is resident while sampling");
        Assert.That(PackageLayout.Components.Where(package.IsLoaded), Is.Empty, "nothing stays loaded afterwards");
        Assert.That(package.LoadTimes.Keys, Is.EquivalentTo(PackageLayout.Components));
        Assert.That(second.Data, Is.EqualTo(Generate(Request()).Data), "same pixels as with sessions kept");
        Assert.That(first.Data, Is.EqualTo(Generate(Request() with { InitImage = PlainOrt.Picture(Size, Size) }).Data));
    }

    [Test]
    public void Generate_CancelledFromTheProgressCallback_ThrowsOperationCanceledAndStops()
    {
        using var cancellation = new CancellationTokenSource();
        int reports = 0;
        void Progress(in SamplingProgress p)
        {
            reports++;
            if (p.Step == 1)
            {
                cancellation.Cancel();
            }
        }

        Assert.That(() => Pipeline(TinyPackages.Standard).Generate(Request() with { Steps = 6 }, Progress,
            cancellation.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(reports, Is.EqualTo(2), "no step may run after the cancelling callback");
    }

    private static (double Kept, double Regenerated) RegionMeans(FloatTensor image, FloatTensor reference, int size)
    {
        double kept = 0, regenerated = 0;
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    int i = (((y * size) + x) * 3) + c;
                    double diff = Math.Abs(image.Data[i] - reference.Data[i]);
                    if (x < size / 2)
                    {
                        regenerated += diff;
                    }
                    else
                    {
                        kept += diff;
                    }
                }
            }
        }

        int count = size * size / 2 * 3;
        return (kept / count, regenerated / count);
    }
}
