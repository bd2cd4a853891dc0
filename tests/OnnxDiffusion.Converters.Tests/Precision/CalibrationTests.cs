using OnnxDiffusion.Converters.Precision.Calibration;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Converters.Tests.Precision;

[Category("Unit")]
public sealed class CalibrationTests
{
    [Test]
    public void Builder_SeveralSamples_TracksFiniteMinMaxCountsAndNonFinite()
    {
        var builder = new ActivationStatisticsBuilder();
        builder.Observe(0, "a", [1f, -2f, float.NaN]);
        builder.Observe(1, "a", [0.5f, 7f, float.PositiveInfinity]);

        TensorStatistics s = builder.Build().Tensors["a"];

        Assert.That((s.Min, s.Max, s.Count, s.NonFinite), Is.EqualTo((-2f, 7f, 4L, 2L)));
        Assert.That(s.Histogram.Sum(), Is.EqualTo(4));
        Assert.That(s.HistogramRange, Is.EqualTo(8f), "smallest power of two above 7");
    }

    [Test]
    public void Builder_RangeGrowsAcrossSamples_KeepsEveryValueInTheRightHalf()
    {
        var builder = new ActivationStatisticsBuilder(bins: 8);
        builder.Observe(0, "a", [-0.9f, -0.1f, 0.1f, 0.9f]);   // range 1: bins of 0.25
        builder.Observe(1, "a", [3.5f]);                       // range grows to 4: bins of 1

        TensorStatistics s = builder.Build().Tensors["a"];

        // Bins over [-4, 4) of width 1: -0.9 and -0.1 fall in [-1, 0), 0.1 and 0.9 in [0, 1), 3.5 in [3, 4).
        Assert.That(s.Histogram, Is.EqualTo(new long[] { 0, 0, 0, 2, 2, 0, 0, 1 }));
    }

    [Test]
    public void MinMaxCalibrator_ReturnsObservedExtremes()
    {
        TensorStatistics s = Uniform(10_000);

        Assert.That(new MinMaxCalibrator().Range(s), Is.EqualTo((1f, 10_000f)));
    }

    [Test]
    public void PercentileCalibrator_Uniform_ClipsTheTails()
    {
        TensorStatistics s = Uniform(100_000);

        (float min, float max) = new PercentileCalibrator(99.9).Range(s);

        // 0.1 % of 1..100000 sits below 100 and above 99900; the histogram resolution is 2^17/2048·2 = 128.
        Assert.That(min, Is.EqualTo(100f).Within(130f));
        Assert.That(max, Is.EqualTo(99_900f).Within(130f));
    }

    [Test]
    public void PercentileCalibrator_OneOutlier_IgnoresIt()
    {
        var builder = new ActivationStatisticsBuilder();
        float[] values = Enumerable.Range(0, 100_000).Select(i => (i % 200 / 100f) - 1f).ToArray();
        values[0] = 50f;
        builder.Observe(0, "a", values);

        (float min, float max) = new PercentileCalibrator(99.99).Range(builder.Build().Tensors["a"]);

        Assert.That(max, Is.LessThan(1.1f));
        Assert.That(min, Is.GreaterThan(-1.1f));
    }

    [Test]
    public void Calibrators_UnknownName_ThrowsListingValidNames()
    {
        Assert.That(() => Calibrators.Create("entropy"),
            Throws.TypeOf<NotSupportedException>().With.Message.Contains("minmax, percentile"));
    }

    [Test]
    public void StatisticsFile_SaveThenLoad_RoundTrips()
    {
        using var temp = new TempDir();
        var builder = new ActivationStatisticsBuilder(bins: 16);
        builder.Observe(2, "x", [1f, -3f, 2f]);
        var components = new Dictionary<string, ActivationStatistics> { ["unet"] = builder.Build() };

        ActivationStatisticsFile.Save(temp.File("stats.json"), components);
        IReadOnlyDictionary<string, ActivationStatistics> back = ActivationStatisticsFile.Load(temp.File("stats.json"));

        TensorStatistics a = components["unet"].Tensors["x"], b = back["unet"].Tensors["x"];
        Assert.That((b.Min, b.Max, b.Count, b.HistogramRange), Is.EqualTo((a.Min, a.Max, a.Count, a.HistogramRange)));
        Assert.That(b.Histogram, Is.EqualTo(a.Histogram));
        Assert.That(back["unet"].Samples, Is.EqualTo(3));
    }

    private static TensorStatistics Uniform(int n)
    {
        var builder = new ActivationStatisticsBuilder();
        builder.Observe(0, "u", Enumerable.Range(1, n).Select(i => (float)i).ToArray());
        return builder.Build().Tensors["u"];
    }
}
