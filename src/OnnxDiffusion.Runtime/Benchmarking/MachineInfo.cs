using System.Globalization;
using System.Runtime.InteropServices;
using OnnxDiffusion.Runtime.Onnx;

namespace OnnxDiffusion.Runtime.Benchmarking;

/// <summary>Where a benchmark ran: CPU, cores, OS, .NET and ORT versions, provider and threads, and load.</summary>
public sealed record MachineInfo
{
    /// <summary>CPU model name (<c>/proc/cpuinfo</c>), or the architecture where unknown.</summary>
    public required string Cpu { get; init; }

    /// <summary>Logical cores visible to the process.</summary>
    public int LogicalCores { get; init; }

    /// <summary>OS description.</summary>
    public required string Os { get; init; }

    /// <summary>.NET runtime description.</summary>
    public required string Runtime { get; init; }

    /// <summary>ONNX Runtime native version.</summary>
    public required string OrtVersion { get; init; }

    /// <summary>Execution provider (CLI spelling) and ORT's name for it.</summary>
    public required string Provider { get; init; }

    /// <summary>Intra-op threads the workers use.</summary>
    public int Threads { get; init; }

    /// <summary>1-minute load average when the run started (other work on the machine skews timings); null where unknown.</summary>
    public double? LoadAverageStart { get; init; }

    /// <summary>1-minute load average when the measurements ended.</summary>
    public double? LoadAverageEnd { get; init; }

    /// <summary>Collects the facts for a run with <paramref name="settings"/>.</summary>
    public static MachineInfo Collect(BenchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new MachineInfo
        {
            Cpu = CpuModel() ?? RuntimeInformation.ProcessArchitecture.ToString(),
            LogicalCores = Environment.ProcessorCount,
            Os = RuntimeInformation.OSDescription,
            Runtime = RuntimeInformation.FrameworkDescription,
            OrtVersion = OrtEnvironment.Ensure(settings.Threads).GetVersionString(),
            Provider = $"{ExecutionProviders.CliName(settings.Provider)} ({ExecutionProviders.OrtName(settings.Provider)})",
            Threads = settings.Threads > 0 ? settings.Threads : Environment.ProcessorCount,
            LoadAverageStart = LoadAverage(),
        };
    }

    /// <summary>The 1-minute load average from <c>/proc/loadavg</c>, or null.</summary>
    public static double? LoadAverage()
    {
        try
        {
            string text = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg") : string.Empty;
            string first = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? string.Empty;
            return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string? CpuModel()
    {
        try
        {
            if (!File.Exists("/proc/cpuinfo"))
            {
                return null;
            }

            string? line = File.ReadLines("/proc/cpuinfo")
                .FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
