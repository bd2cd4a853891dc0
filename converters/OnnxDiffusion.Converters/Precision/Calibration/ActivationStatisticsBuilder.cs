namespace OnnxDiffusion.Converters.Precision.Calibration;

/// <summary>
/// An <see cref="IActivationObserver"/> that accumulates <see cref="TensorStatistics"/> per tensor: finite
/// min/max, counts and a symmetric histogram whose half-width is a power of two. When a value falls outside the
/// span the span doubles and neighbouring bins merge pairwise into the middle half, so histograms from any number
/// of samples combine exactly at the coarser resolution. Not thread-safe.
/// </summary>
public sealed class ActivationStatisticsBuilder : IActivationObserver
{
    /// <summary>Default number of histogram bins.</summary>
    public const int DefaultBins = 2048;

    private const float SmallestRange = 1f / (1 << 20);
    private readonly Dictionary<string, Accumulator> _tensors = new(StringComparer.Ordinal);
    private readonly int _bins;
    private int _samples;

    /// <summary>Creates a builder with <paramref name="bins"/> bins per histogram (a positive multiple of 4).</summary>
    public ActivationStatisticsBuilder(int bins = DefaultBins)
    {
        if (bins <= 0 || bins % 4 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bins), bins, "Needs a positive multiple of 4.");
        }

        _bins = bins;
    }

    /// <inheritdoc />
    public void Observe(int sample, string tensorName, ReadOnlySpan<float> values)
    {
        ArgumentNullException.ThrowIfNull(tensorName);
        _samples = Math.Max(_samples, sample + 1);
        if (!_tensors.TryGetValue(tensorName, out Accumulator? accumulator))
        {
            accumulator = new Accumulator(_bins);
            _tensors.Add(tensorName, accumulator);
        }

        accumulator.Add(values);
    }

    /// <summary>A snapshot of everything observed so far.</summary>
    public ActivationStatistics Build() => new(
        _tensors.ToDictionary(p => p.Key, p => p.Value.ToStatistics(), StringComparer.Ordinal), _samples);

    private sealed class Accumulator(int bins)
    {
        private readonly long[] _histogram = new long[bins];
        private float _min = float.PositiveInfinity;
        private float _max = float.NegativeInfinity;
        private float _range;
        private long _count;
        private long _nonFinite;

        public void Add(ReadOnlySpan<float> values)
        {
            float absMax = 0;
            foreach (float v in values)
            {
                if (!float.IsFinite(v))
                {
                    _nonFinite++;
                    continue;
                }

                _min = Math.Min(_min, v);
                _max = Math.Max(_max, v);
                absMax = Math.Max(absMax, Math.Abs(v));
                _count++;
            }

            Grow(absMax);
            float scale = _histogram.Length / (2 * _range);
            foreach (float v in values)
            {
                if (float.IsFinite(v))
                {
                    int bin = (int)((v + _range) * scale);
                    _histogram[Math.Clamp(bin, 0, _histogram.Length - 1)]++;
                }
            }
        }

        private void Grow(float absMax)
        {
            if (_range == 0)
            {
                _range = SmallestRange;
            }

            while (absMax >= _range)
            {
                // Double the span: bins 2j and 2j+1 become bin n/4 + j of the new histogram.
                int n = _histogram.Length;
                var merged = new long[n];
                for (int j = 0; j < n / 2; j++)
                {
                    merged[(n / 4) + j] = _histogram[2 * j] + _histogram[(2 * j) + 1];
                }

                merged.CopyTo(_histogram, 0);
                _range *= 2;
            }
        }

        public TensorStatistics ToStatistics() => new()
        {
            Min = _count == 0 ? 0 : _min,
            Max = _count == 0 ? 0 : _max,
            Count = _count,
            NonFinite = _nonFinite,
            HistogramRange = _range == 0 ? SmallestRange : _range,
            Histogram = (long[])_histogram.Clone(),
        };
    }
}
