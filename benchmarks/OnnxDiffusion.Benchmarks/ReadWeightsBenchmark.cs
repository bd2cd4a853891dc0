using System.Diagnostics;
using System.Numerics.Tensors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;

namespace OnnxDiffusion.Benchmarks;

/// <summary>
/// Reads every tensor of a checkpoint through <see cref="WeightFile"/>, converting each to float32 in 1 M-element
/// chunks and summing it (so every byte is touched and the fp16→fp32 path is measured). One warm-up round brings
/// the file into the page cache; the timed rounds report bytes per second.
/// </summary>
internal static class ReadWeightsBenchmark
{
    private const int Chunk = 1 << 20;

    public static int Run(string path, int rounds)
    {
        using IWeightSource source = WeightFile.Open(path);
        long bytes = source.Tensors.Sum(t => t.ByteLength);
        var buffer = new float[Chunk];
        Console.WriteLine($"{path}: {source.Format}, {source.Tensors.Count} tensors, {bytes / 1e9:F3} GB");
        double checksum = Pass(source, buffer); // warm-up: page cache and JIT
        var times = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            var clock = Stopwatch.StartNew();
            double sum = Pass(source, buffer);
            times.Add(clock.Elapsed.TotalSeconds);
            Console.WriteLine($"round {r + 1}: {clock.Elapsed.TotalSeconds:F3} s, {bytes / 1e9 / times[^1]:F2} GB/s "
                + $"(checksum {sum:G6})");
            checksum = sum;
        }

        double best = times.Min();
        Console.WriteLine($"best {bytes / 1e9 / best:F2} GB/s, median "
            + $"{bytes / 1e9 / times.Order().ElementAt(times.Count / 2):F2} GB/s "
            + $"over {rounds} warm rounds (checksum {checksum:G6}, {Environment.ProcessorCount} cores)");
        return 0;
    }

    private static double Pass(IWeightSource source, float[] buffer)
    {
        double total = 0;
        foreach (TensorInfo info in source.Tensors)
        {
            ReadOnlySpan<byte> bytes = source.GetBytes(info.Name);
            int size = DTypes.SizeOf(info.DType);
            for (int offset = 0; offset < bytes.Length; offset += Chunk * size)
            {
                ReadOnlySpan<byte> slice = bytes.Slice(offset, Math.Min(Chunk * size, bytes.Length - offset));
                Span<float> floats = buffer.AsSpan(0, slice.Length / size);
                DTypes.ConvertToFloat32(info.DType, slice, floats);
                total += TensorPrimitives.Sum(floats);
            }
        }

        return total;
    }
}
