using OnnxDiffusion.Runtime.Benchmarking;

namespace OnnxDiffusion.Runtime.Tests.Benchmarking;

[Category("Unit")]
public sealed class BenchProgressTests
{
    [Test]
    public void ToLine_TryParse_RoundTripsStageAndCounts()
    {
        var sent = new BenchProgress("fp16", 1, 3, "generate", 17, 40);
        Assert.That(BenchProgress.TryParse(sent.ToLine(), out BenchProgress got), Is.True);
        Assert.That(got, Is.EqualTo(new BenchProgress(string.Empty, 0, 0, "generate", 17, 40)));
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("generate 1 2")]
    [TestCase("@bench-progress\tgenerate\tx\t2")]
    [TestCase("@bench-progress\tgenerate\t1")]
    public void TryParse_OtherLines_ReturnsFalse(string? line)
    {
        Assert.That(BenchProgress.TryParse(line, out _), Is.False);
    }
}
