using System.Diagnostics;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Core.Tests.Fuzz;

/// <summary>Outcome of one fuzz run.</summary>
internal sealed record FuzzReport(int Accepted, int Rejected, List<string> Failures, TimeSpan Slowest,
    long MostAllocated);

/// <summary>
/// Runs a parser over seeded mutations of a valid file. Only <see cref="OnnxDiffusionException"/> subclasses may
/// escape; every other exception is a failure. Each case's managed allocation is measured against a budget
/// proportional to the file length (catching allocations sized by unchecked header values), and the whole run is
/// watched by a deadline so a hang fails the test instead of blocking it.
/// </summary>
internal static class FuzzHarness
{
    /// <summary>Seed of this run: <c>ONNXDIFF_FUZZ_SEED</c> when set, else a fixed value (reproducible CI).</summary>
    public static int Seed { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("ONNXDIFF_FUZZ_SEED"), out int seed) ? seed : 20250601;

    /// <summary>Mutations per format per run.</summary>
    public const int Cases = 2500;

    public static FuzzReport Run(string extension, byte[] valid, Func<Random, byte[], byte[]> mutate,
        Action<string> parse)
    {
        using var dir = new ScratchDir();
        string path = Path.Combine(dir.Path, "case" + extension);
        var failures = new List<string>();
        int accepted = 0, rejected = 0, current = -1;
        TimeSpan slowest = TimeSpan.Zero;
        long mostAllocated = 0;
        var rng = new Random(Seed);
        var run = Task.Run(() =>
        {
            for (int i = 0; i < Cases; i++)
            {
                Volatile.Write(ref current, i);
                byte[] bytes = mutate(rng, valid);
                File.WriteAllBytes(path, bytes);
                long before = GC.GetAllocatedBytesForCurrentThread();
                var clock = Stopwatch.StartNew();
                try
                {
                    parse(path);
                    accepted++;
                }
                catch (OnnxDiffusionException)
                {
                    rejected++;
                }
                catch (Exception ex)
                {
                    failures.Add($"case {i} (seed {Seed}, {bytes.Length} bytes): {ex.GetType().Name}: {ex.Message}");
                }

                slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                mostAllocated = Math.Max(mostAllocated, allocated);
                if (allocated > (1 << 20) + (64L * bytes.Length))
                {
                    failures.Add($"case {i} (seed {Seed}): allocated {allocated} bytes for a {bytes.Length}-byte file");
                }
            }
        });
        if (!run.Wait(TimeSpan.FromSeconds(120)))
        {
            Assert.Fail($"fuzzing {extension} hangs at case {Volatile.Read(ref current)} (seed {Seed})");
        }

        return new FuzzReport(accepted, rejected, failures, slowest, mostAllocated);
    }

    public static void AssertClean(FuzzReport report, string format)
    {
        TestContext.Out.WriteLine($"{format}: {report.Accepted} accepted, {report.Rejected} rejected, slowest case "
            + $"{report.Slowest.TotalMilliseconds:F1} ms, most allocated {report.MostAllocated} bytes, seed {Seed}");
        Assert.That(report.Failures, Is.Empty, string.Join("\n", report.Failures.Take(20)));
        Assert.That(report.Accepted + report.Rejected, Is.EqualTo(Cases));
        Assert.That(report.Rejected, Is.GreaterThan(Cases / 10), "the mutations should break most files");
        Assert.That(report.Accepted, Is.GreaterThan(0), "some mutations (payload bytes) leave the file valid");
        Assert.That(report.Slowest, Is.LessThan(TimeSpan.FromSeconds(5)), "one case took too long (a near-hang)");
    }

    /// <summary>A scratch folder in RAM (/dev/shm) when available: thousands of small writes to disk are
    /// slow.</summary>
    private sealed class ScratchDir : IDisposable
    {
        private readonly TempDir? _fallback;

        public ScratchDir()
        {
            if (Directory.Exists("/dev/shm"))
            {
                Path = System.IO.Path.Combine("/dev/shm", $"onnxdiff-fuzz-{Guid.NewGuid():N}");
                Directory.CreateDirectory(Path);
            }
            else
            {
                _fallback = new TempDir("onnxdiff-fuzz");
                Path = _fallback.Path;
            }
        }

        public string Path { get; }

        public void Dispose()
        {
            if (_fallback is not null)
            {
                _fallback.Dispose();
            }
            else
            {
                Directory.Delete(Path, recursive: true);
            }
        }
    }
}
