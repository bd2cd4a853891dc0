using OnnxDiffusion.Runtime.Benchmarking;

namespace OnnxDiffusion.Runtime.Tests.Benchmarking;

[Category("Unit")]
public sealed class TimingStatsTests
{
    [Test]
    public void Of_OddCount_MinAndMiddleValue()
    {
        TimingStats stats = TimingStats.Of([30.0, 10.0, 20.0, 50.0, 40.0]);
        Assert.That((stats.MinMs, stats.MedianMs, stats.Count), Is.EqualTo((10.0, 30.0, 5)));
    }

    [Test]
    public void Of_EvenCountWithNaN_AveragesMiddlePairAndSkipsNaN()
    {
        TimingStats stats = TimingStats.Of([4.0, double.NaN, 1.0, 3.0, 2.0]);
        Assert.That((stats.MinMs, stats.MedianMs, stats.Count), Is.EqualTo((1.0, 2.5, 4)));
    }

    [Test]
    public void Of_Empty_IsNaNWithZeroCount()
    {
        TimingStats stats = TimingStats.Of([]);
        Assert.That(double.IsNaN(stats.MinMs) && double.IsNaN(stats.MedianMs), Is.True);
        Assert.That(stats.Count, Is.Zero);
    }
}
