using OnnxDiffusion.Runtime.Benchmarking;

namespace OnnxDiffusion.Runtime.Tests.Benchmarking;

[Category("Unit")]
public sealed class ProcessMemoryTests
{
    private const string Status = "Name:\tonnxdiff\nVmPeak:\t  900000 kB\nVmHWM:\t  123456 kB\nVmRSS:\t   65536 kB\n";

    [Test]
    public void Parse_KnownKeys_ReturnsKibTimes1024()
    {
        Assert.That(ProcessMemory.Parse(Status, "VmHWM"), Is.EqualTo(123456L * 1024));
        Assert.That(ProcessMemory.Parse(Status, "VmRSS"), Is.EqualTo(65536L * 1024));
    }

    [Test]
    public void Parse_MissingKeyOrOtherUnit_ReturnsNull()
    {
        Assert.That(ProcessMemory.Parse(Status, "VmSwap"), Is.Null);
        Assert.That(ProcessMemory.Parse("VmHWM:\t 12 MB\n", "VmHWM"), Is.Null);
        Assert.That(ProcessMemory.Parse("VmHWMX:\t 12 kB\n", "VmHWM"), Is.Null);
    }

    [Test]
    public void PeakRssBytes_AfterTouchingABuffer_GrowsByAtLeastItsSize()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("/proc/self/status is Linux-only.");
        }

        long current = ProcessMemory.CurrentRssBytes()!.Value;
        long before = ProcessMemory.PeakRssBytes()!.Value;
        const int Size = 96 << 20;
        // The new peak is at least the resident set before plus every page of the touched buffer.
        var buffer = new byte[Size];
        for (int i = 0; i < buffer.Length; i += 4096)
        {
            buffer[i] = 1;
        }

        long after = ProcessMemory.PeakRssBytes()!.Value;
        GC.KeepAlive(buffer);
        Assert.That(before, Is.GreaterThanOrEqualTo(current));
        Assert.That(after, Is.GreaterThanOrEqualTo(current + Size * 9L / 10));
    }
}
