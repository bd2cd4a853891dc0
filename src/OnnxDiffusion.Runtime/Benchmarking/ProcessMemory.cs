using System.Globalization;

namespace OnnxDiffusion.Runtime.Benchmarking;

/// <summary>
/// Resident memory of the current process from <c>/proc/self/status</c> (Linux): <c>VmRSS</c> now and
/// <c>VmHWM</c>, the high-water mark since the process started. Elsewhere the values are null.
/// </summary>
public static class ProcessMemory
{
    /// <summary>Current resident set size in bytes, or null when unknown.</summary>
    public static long? CurrentRssBytes() => Read("VmRSS");

    /// <summary>Peak resident set size (VmHWM) in bytes, or null when unknown.</summary>
    public static long? PeakRssBytes() => Read("VmHWM");

    /// <summary>
    /// The value of <paramref name="key"/> in a <c>/proc/*/status</c> text (<c>"VmHWM:\t  123456 kB"</c>), in
    /// bytes; null when the key is missing or not in kB.
    /// </summary>
    public static long? Parse(string statusText, string key)
    {
        ArgumentNullException.ThrowIfNull(statusText);
        foreach (string line in statusText.Split('\n'))
        {
            if (!line.StartsWith(key + ":", StringComparison.Ordinal))
            {
                continue;
            }

            string[] parts = line[(key.Length + 1)..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[1] == "kB" &&
                long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long kib))
            {
                return kib * 1024;
            }

            return null;
        }

        return null;
    }

    private static long? Read(string key)
    {
        const string Path = "/proc/self/status";
        if (!OperatingSystem.IsLinux() || !File.Exists(Path))
        {
            return null;
        }

        return Parse(File.ReadAllText(Path), key);
    }
}
