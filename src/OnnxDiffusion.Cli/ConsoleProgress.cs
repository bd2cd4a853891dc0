using System.Diagnostics;
using System.Globalization;

namespace OnnxDiffusion.Cli;

/// <summary>
/// A live progress line for long CLI work: <c>label [#####-----] 7/20 1.83 it/s ETA 7s</c>. Redraws in place with
/// '\r' on a terminal and prints at most one line per second (plus the last) when redirected, so logs stay short.
/// </summary>
public sealed class ConsoleProgress
{
    private readonly TextWriter _writer;
    private readonly string _label;
    private readonly bool _interactive;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan? _lastDraw; // null until the first draw (TimeSpan.MinValue would overflow the subtraction)
    private string? _extra;

    /// <summary>Creates a progress line on <paramref name="writer"/> (stderr by default).</summary>
    public ConsoleProgress(string label, TextWriter? writer = null, bool? interactive = null)
    {
        _writer = writer ?? Console.Error;
        _label = label;
        _interactive = interactive ?? (writer is null && !Console.IsErrorRedirected);
    }

    /// <summary>Text appended after the ETA (e.g. the current loss).</summary>
    public void SetExtra(string? extra) => _extra = extra;

    /// <summary>Reports <paramref name="done"/> of <paramref name="total"/> units.</summary>
    public void Report(long done, long total)
    {
        TimeSpan now = _clock.Elapsed;
        bool last = done >= total;
        if (!last && _lastDraw is TimeSpan previous &&
            now - previous < TimeSpan.FromMilliseconds(_interactive ? 100 : 1000))
        {
            return;
        }

        _lastDraw = now;
        double rate = now.TotalSeconds > 0 ? done / now.TotalSeconds : 0;
        double eta = rate > 0 ? (total - done) / rate : 0;
        string line = Format(_label, done, total, rate, eta, _extra);
        if (_interactive)
        {
            _writer.Write("\r" + line + (last ? Environment.NewLine : string.Empty));
        }
        else
        {
            _writer.WriteLine(line);
        }
    }

    /// <summary>Formats one progress line (pure, for tests).</summary>
    public static string Format(string label, long done, long total, double rate, double etaSeconds, string? extra)
    {
        const int Width = 20;
        int filled = total > 0 ? (int)Math.Clamp(done * Width / total, 0, Width) : 0;
        string bar = new string('#', filled) + new string('-', Width - filled);
        string speed = rate >= 1 || rate == 0
            ? rate.ToString("0.00", CultureInfo.InvariantCulture) + " it/s"
            : (1 / rate).ToString("0.00", CultureInfo.InvariantCulture) + " s/it";
        string line = $"{label} [{bar}] {done}/{total} {speed} ETA {etaSeconds:0}s";
        return extra is null ? line : line + " " + extra;
    }
}
