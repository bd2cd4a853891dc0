using System.Diagnostics;
using System.Globalization;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;

namespace OnnxDiffusion.Benchmarks;

/// <summary>
/// Writes a full-size synthetic SD1.5 checkpoint: every tensor of the layout table (name, shape, dtype) as F16
/// (integer tensors keep their dtype), filled with seeded random finite values (|x| &lt; 2), via the streaming
/// <see cref="SafetensorsWriter"/>.
/// </summary>
internal static class WriteSd15Command
{
    public static int Run(string path, string? layout)
    {
        layout ??= Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "..", "shared", "data",
            "checkpoint-layouts", "sd15-ldm-keys.tsv");
        if (!File.Exists(layout))
        {
            Console.Error.WriteLine($"layout table not found: {layout} (pass --layout sd15-ldm-keys.tsv)");
            return 3;
        }

        var rng = new Random(1234);
        var tensors = new List<TensorToWrite>();
        foreach (string line in File.ReadLines(layout).Skip(1))
        {
            string[] cols = line.Split('\t');
            if (cols.Length < 3)
            {
                continue;
            }

            long[] shape = cols[1].Length == 0 ? [] : cols[1].Split(',').Select(s => long.Parse(s,
                CultureInfo.InvariantCulture)).ToArray();
            DType dtype = cols[2] == "I64" ? DType.I64 : DType.F16;
            tensors.Add(new TensorToWrite(cols[0], dtype, shape, s => WriteRandom(s, rng, dtype, shape)));
        }

        var clock = Stopwatch.StartNew();
        SafetensorsWriter.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        Console.WriteLine($"wrote {tensors.Count} tensors, {new FileInfo(path).Length / 1e9:F3} GB in "
            + $"{clock.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    private static void WriteRandom(Stream stream, Random rng, DType dtype, long[] shape)
    {
        long remaining = shape.Aggregate((long)DTypes.SizeOf(dtype), (n, d) => n * d);
        var chunk = new byte[1 << 20];
        while (remaining > 0)
        {
            int n = (int)Math.Min(chunk.Length, remaining);
            rng.NextBytes(chunk.AsSpan(0, n));
            if (dtype == DType.F16)
            {
                for (int i = 1; i < n; i += 2)
                {
                    chunk[i] &= 0xBF; // clear the top exponent bit: finite, |x| < 2
                }
            }
            else
            {
                chunk.AsSpan(0, n).Clear();
            }

            stream.Write(chunk, 0, n);
            remaining -= n;
        }
    }
}
