using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.Runtime.Sampling;
using OnnxDiffusion.Runtime.Sampling.Guidance;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Runtime.Tests.Sampling.Guidance;

[Category("Unit")]
public sealed class MultiConditioningDenoiserTests
{
    private static readonly int[] s_shape = [2, 4, 16, 24];
    private static readonly int s_length = s_shape.Aggregate(1, (a, b) => a * b);

    private static TextContext Context(int tokens, int seed, float offset)
    {
        var random = new Random(seed);
        var values = new float[tokens * 8];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = offset + (float)(random.NextDouble() - 0.5);
        }

        return new TextContext(values, tokens, 8);
    }

    private static float[] Latent(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, s_length).Select(_ => (float)((random.NextDouble() * 8) - 4)).ToArray();
    }

    private static float[] Run(IContextUNetModel model, GuidanceConditioning conds, float[] x, float sigma, double cfg)
    {
        var denoiser = new MultiConditioningDenoiser(model, conds, s_shape, cfg);
        var denoised = new float[x.Length];
        denoiser.Denoise(x, sigma, denoised);
        return denoised;
    }

    private static void AssertClose(float[] actual, double[] expected, double tolerance = 2e-4)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length));
        for (int i = 0; i < actual.Length; i++)
        {
            double scale = Math.Max(1.0, Math.Abs(expected[i]));
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(tolerance * scale), $"element {i}");
        }
    }

    [Test]
    public void Denoise_TwoCombinedEntriesWithoutArea_AveragesTheirDenoisedPredictions()
    {
        GuidanceEntry a = new(Context(77, 1, 0.7f)), b = new(Context(77, 2, -0.4f)), n = new(Context(77, 3, 0.1f));
        float[] x = Latent(4);
        float sigma = 3.1f;
        var model = new ToyContextUNet();
        float[] actual = Run(model, new GuidanceConditioning([a, b], [n]), x, sigma, 6.0);

        AssertClose(actual, NaiveGuidance.Denoise(x, sigma, s_shape, [a, b], [n], 6.0));
        // Sanity of the reference itself: the cond side of two full entries is the plain mean of the two.
        double[] onlyA = NaiveGuidance.Denoise(x, sigma, s_shape, [a], null, 1.0);
        double[] onlyB = NaiveGuidance.Denoise(x, sigma, s_shape, [b], null, 1.0);
        double[] both = NaiveGuidance.Denoise(x, sigma, s_shape, [a, b], null, 1.0);
        Assert.That(both[17], Is.EqualTo((onlyA[17] + onlyB[17]) / 2).Within(1e-9));
        Assert.That(model.Prepared, Has.Count.EqualTo(1), "same size and length: one batched call");
        Assert.That(model.Prepared[0].Contexts, Has.Length.EqualTo(3));
    }

    [Test]
    public void Denoise_AreaEntryPlusFullEntry_EqualsFeatheredWeightedAverage()
    {
        var area = new LatentArea(Height: 8, Width: 12, Y: 4, X: 6);
        GuidanceEntry full = new(Context(77, 1, 0.2f));
        GuidanceEntry local = new GuidanceEntry(Context(77, 2, 1.5f)) { Area = area };
        GuidanceEntry negative = new(Context(77, 3, -0.3f));
        float[] x = Latent(5);
        float sigma = 1.7f;
        float[] actual = Run(new ToyContextUNet(), new GuidanceConditioning([full, local], [negative]), x, sigma, 7.5);

        // ComfyUI adds a negative entry on the same area, with the negative's context.
        GuidanceEntry partner = local with { Context = negative.Context };
        AssertClose(actual, NaiveGuidance.Denoise(x, sigma, s_shape, [full, local], [negative, partner], 7.5));
    }

    [Test]
    public void Denoise_AreaWithStrength_WeighsItsPredictionByStrength()
    {
        var area = new LatentArea(Height: 12, Width: 30, Y: 0, X: 8); // clamped to width 16, touches 3 borders
        GuidanceEntry full = new(Context(77, 1, 0.2f));
        GuidanceEntry strong = new GuidanceEntry(Context(77, 2, 1.5f)) { Area = area, Strength = 2.5 };
        GuidanceEntry negative = new(Context(77, 3, -0.3f));
        float[] x = Latent(6);
        float sigma = 0.9f;
        float[] actual = Run(new ToyContextUNet(), new GuidanceConditioning([full, strong], [negative]), x, sigma, 4.0);

        GuidanceEntry partner = strong with { Context = negative.Context };
        double[] expected = NaiveGuidance.Denoise(x, sigma, s_shape, [full, strong], [negative, partner], 4.0);
        AssertClose(actual, expected);
        double[] weak = NaiveGuidance.Denoise(x, sigma, s_shape, [full, strong with { Strength = 1 }],
            [negative, partner with { Strength = 1 }], 4.0);
        Assert.That(weak.Zip(expected).Max(p => Math.Abs(p.First - p.Second)), Is.GreaterThan(1e-3),
            "strength must change the result");
    }

    [Test]
    public void Denoise_ContextsOfDifferentLengths_RunAsSeparateCalls()
    {
        GuidanceEntry positive = new(Context(85, 1, 0.5f)), negative = new(Context(77, 2, -0.5f));
        float[] x = Latent(7);
        var model = new ToyContextUNet();
        float[] actual = Run(model, new GuidanceConditioning([positive], [negative]), x, 2.2f, 5.0);

        AssertClose(actual, NaiveGuidance.Denoise(x, 2.2f, s_shape, [positive], [negative], 5.0));
        Assert.That(model.Prepared.Select(p => p.Contexts.Single().Tokens), Is.EqualTo(new[] { 85, 77 }));
        Assert.That(model.Prepared.All(p => p.Batch == 2 && p.Height == 16 && p.Width == 24), Is.True);
    }

    [Test]
    public void Denoise_SinglePlainPair_EqualsCfgDenoiserBitForBit()
    {
        TextContext pos = Context(77, 1, 0.5f), neg = Context(77, 2, -0.5f);
        float[] x = Latent(8);
        var bound = new ToyContextUNet(pos, neg);
        var cfgDenoiser = new CfgDenoiser(bound, s_shape, 7.0);
        var expected = new float[x.Length];
        cfgDenoiser.Denoise(x, 4.4f, expected);
        float[] actual = Run(new ToyContextUNet(), new GuidanceConditioning([new(pos)], [new(neg)]), x, 4.4f, 7.0);
        Assert.That(actual, Is.EqualTo(expected));
    }

    [Test]
    public void Denoise_CfgOne_SkipsNegativeEntries()
    {
        GuidanceEntry positive = new(Context(77, 1, 0.5f)), negative = new(Context(77, 2, -0.5f));
        float[] x = Latent(9);
        var model = new ToyContextUNet();
        float[] actual = Run(model, new GuidanceConditioning([positive], [negative]), x, 2f, 1.0);
        AssertClose(actual, NaiveGuidance.Denoise(x, 2f, s_shape, [positive], null, 1.0));
        Assert.That(model.Prepared.Single().Contexts.Single(), Is.SameAs(positive.Context));
    }

    [Test]
    public void Denoise_StepRange_SkipsEntryOutsideItsSigmaRange()
    {
        IModelSampling sampling = ModelSamplingDiscrete.Default;
        GuidanceEntry always = new(Context(77, 1, 0.5f));
        GuidanceEntry late = new GuidanceEntry(Context(77, 2, 2.0f)) { StartPercent = 0.5 };
        float sigmaAtHalf = sampling.Sigma(0.5f * 999f);
        float[] x = Latent(10);
        var conds = new GuidanceConditioning([always, late], []);

        float high = sigmaAtHalf * 2, low = sigmaAtHalf / 2;
        AssertClose(Run(new ToyContextUNet(), conds, x, high, 1.0),
            NaiveGuidance.Denoise(x, high, s_shape, [always], null, 1.0));
        AssertClose(Run(new ToyContextUNet(), conds, x, low, 1.0),
            NaiveGuidance.Denoise(x, low, s_shape, [always, late], null, 1.0));
    }

    [Test]
    public void Denoise_NoEntryCoversAPosition_GivesZeroThere()
    {
        GuidanceEntry local = new GuidanceEntry(Context(77, 1, 0.5f)) { Area = new LatentArea(8, 8, 0, 0) };
        float[] x = Latent(11);
        float[] actual = Run(new ToyContextUNet(), new GuidanceConditioning([local], []), x, 1f, 1.0);
        AssertClose(actual, NaiveGuidance.Denoise(x, 1f, s_shape, [local], null, 1.0));
        Assert.That(actual[(15 * 24) + 23], Is.EqualTo(0f), "outside the area: 0 / 1e-37");
    }

    [Test]
    public void Denoise_AreaOutsideLatent_ThrowsWithPixelSizes()
    {
        GuidanceEntry local = new GuidanceEntry(Context(77, 1, 0.5f)) { Area = new LatentArea(8, 8, 0, 30) };
        var ex = Assert.Throws<Core.Errors.InvalidInputException>(() =>
            _ = new MultiConditioningDenoiser(new ToyContextUNet(), new GuidanceConditioning([local], []), s_shape, 1));
        Assert.That(ex!.Message, Does.Contain("192×128"));
    }

    [Test]
    public void Denoise_Steps_AllocateNothing()
    {
        var area = new LatentArea(8, 12, 4, 6);
        GuidanceEntry full = new(Context(77, 1, 0.2f));
        GuidanceEntry local = new GuidanceEntry(Context(77, 2, 1.5f)) { Area = area, Strength = 0.5 };
        GuidanceEntry negative = new(Context(85, 3, -0.3f));
        var denoiser = new MultiConditioningDenoiser(
            new ToyContextUNet(), new GuidanceConditioning([full, local], [negative]), s_shape, 7.0);
        float[] x = Latent(12);
        var denoised = new float[x.Length];
        denoiser.Denoise(x, 3f, denoised);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            denoiser.Denoise(x, 3f - (0.5f * i), denoised);
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void Denoise_AreaNotAMultipleOfTheModelSize_RunsOnAWindowAndUsesTheAreaPart()
    {
        var area = new LatentArea(Height: 5, Width: 7, Y: 3, X: 2);
        GuidanceEntry full = new(Context(77, 1, 0.2f));
        GuidanceEntry local = new GuidanceEntry(Context(77, 2, 1.5f)) { Area = area };
        float[] x = Latent(13);
        var model = new ToyContextUNet(sizeMultiple: 8);
        float[] actual = Run(model, new GuidanceConditioning([full, local], []), x, 2.5f, 1.0);

        AssertClose(actual, NaiveGuidance.Denoise(x, 2.5f, s_shape, [full, local], null, 1.0, multiple: 8));
        Assert.That(model.Prepared.Select(p => (p.Height, p.Width)), Is.EqualTo(new[] { (16, 24), (8, 8) }));
    }

    [TestCase(3, 5, 16, 8, 2, 8)]
    [TestCase(14, 2, 16, 8, 8, 8)]
    [TestCase(0, 9, 12, 8, 0, 12)]
    [TestCase(4, 8, 16, 8, 4, 8)]
    public void Window_RoundsUpCentresAndStaysInside(
        int offset, int size, int full, int multiple, int start, int length)
    {
        Assert.That(MultiConditioningDenoiser.Window(offset, size, full, multiple), Is.EqualTo((start, length)));
    }

    [Test]
    public void WeightMask_InteriorArea_RampsFromEveryEdge()
    {
        // 8 rows → rr = 2; 12 columns → rr = 3; interior on all sides.
        float[] mask = MultiConditioningDenoiser.WeightMask(new LatentArea(8, 12, 4, 6), 2.0, 16, 24);
        Assert.That(mask[0], Is.EqualTo(2.0f * 0.5f * (1f / 3f)).Within(1e-6f));
        Assert.That(mask[(3 * 12) + 5], Is.EqualTo(2.0f));
        Assert.That(mask[(7 * 12) + 10], Is.EqualTo(2.0f * 0.5f * (2f / 3f)).Within(1e-6f));
    }
}
