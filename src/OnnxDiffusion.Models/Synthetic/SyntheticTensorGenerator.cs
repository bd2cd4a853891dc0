using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Models.Synthetic;

/// <summary>
/// Generates the values of one synthetic tensor from (seed, canonical name, init kind, shape) alone, block by
/// block: block b of a tensor uses its own xoshiro256** stream seeded from (seed, FNV-1a of the name, b), so the
/// bytes do not depend on write order, file layout, thread count or chunk size. Thread-safe (no shared state).
/// </summary>
internal static class SyntheticTensorGenerator
{
    /// <summary>Elements per independently seeded block; part of the output definition, never change it.</summary>
    public const int BlockElements = 1 << 16;

    /// <summary>Elements generated per write chunk (64 blocks = 16 MiB of float32).</summary>
    private const int ChunkElements = 64 * BlockElements;

    /// <summary>Fills <paramref name="destination"/> with elements [start, start + length) of the tensor.</summary>
    public static void Fill(
        ulong seed, string name, SyntheticInit init, long fanIn, long start, Span<float> destination)
    {
        switch (init)
        {
            case SyntheticInit.Ones:
                destination.Fill(1f);
                return;
            case SyntheticInit.Zeros:
                destination.Fill(0f);
                return;
            case SyntheticInit.PositionIds:
                throw new ArgumentException("Position ids are integers; use WriteTo.", nameof(init));
        }

        double std = init == SyntheticInit.SmallNormal ? SyntheticCheckpoint.BiasStd : 1.0 / Math.Sqrt(fanIn);
        ulong tensorSeed = TensorSeed(seed, name);
        long end = start + destination.Length;
        for (long block = start / BlockElements; block * BlockElements < end; block++)
        {
            long blockStart = block * BlockElements;
            long from = Math.Max(blockStart, start);
            long to = Math.Min(blockStart + BlockElements, end);
            Span<float> part = destination[(int)(from - start)..(int)(to - start)];
            FillBlock(tensorSeed, block, std, (int)(from - blockStart), part);
        }
    }

    /// <summary>
    /// Streams the tensor's little-endian payload to <paramref name="stream"/> as <paramref name="dtype"/>
    /// (F32 or F16; I64 for position ids), generating one chunk at a time on all cores.
    /// </summary>
    public static void WriteTo(Stream stream, ulong seed, string name, SyntheticInit init, long[] shape, DType dtype)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Synthetic checkpoints are written on little-endian machines.");
        }

        long count = 1;
        foreach (long d in shape)
        {
            count *= d;
        }

        if (init == SyntheticInit.PositionIds)
        {
            long[] ids = new long[count];
            for (long i = 0; i < count; i++)
            {
                ids[i] = i % shape[^1];
            }

            stream.Write(MemoryMarshal.AsBytes(ids.AsSpan()));
            return;
        }

        long fanIn = FanIn(shape);
        float[] values = ArrayPool<float>.Shared.Rent((int)Math.Min(count, ChunkElements));
        Half[] halves = dtype == DType.F16 ? ArrayPool<Half>.Shared.Rent(values.Length) : [];
        try
        {
            for (long start = 0; start < count; start += ChunkElements)
            {
                int n = (int)Math.Min(ChunkElements, count - start);
                FillParallel(seed, name, init, fanIn, start, values, n);
                if (dtype == DType.F16)
                {
                    TensorPrimitives.ConvertToHalf(values.AsSpan(0, n), halves.AsSpan(0, n));
                    stream.Write(MemoryMarshal.AsBytes(halves.AsSpan(0, n)));
                }
                else
                {
                    stream.Write(MemoryMarshal.AsBytes(values.AsSpan(0, n)));
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(values);
            if (halves.Length > 0)
            {
                ArrayPool<Half>.Shared.Return(halves);
            }
        }
    }

    /// <summary>fan_in of a weight: product of all dimensions but the first (1 for vectors).</summary>
    public static long FanIn(long[] shape)
    {
        long fanIn = 1;
        for (int i = 1; i < shape.Length; i++)
        {
            fanIn *= shape[i];
        }

        return fanIn;
    }

    private static void FillParallel(
        ulong seed, string name, SyntheticInit init, long fanIn, long start, float[] values, int n)
    {
        int blocks = (n + BlockElements - 1) / BlockElements;
        if (blocks == 1 || init is SyntheticInit.Ones or SyntheticInit.Zeros)
        {
            Fill(seed, name, init, fanIn, start, values.AsSpan(0, n));
            return;
        }

        Parallel.For(0, blocks, b =>
        {
            int from = b * BlockElements;
            int length = Math.Min(BlockElements, n - from);
            Fill(seed, name, init, fanIn, start + from, values.AsSpan(from, length));
        });
    }

    private static void FillBlock(ulong tensorSeed, long block, double std, int skip, Span<float> destination)
    {
        ulong mix = tensorSeed ^ ((ulong)block * 0xD1B54A32D192ED03UL);
        var rng = new Xoshiro256StarStar(Xoshiro256StarStar.SplitMix64(ref mix));
        int end = skip + destination.Length;             // values before skip are generated and dropped
        for (int i = 0; i < end; i += 2)
        {
            (double a, double b) = rng.NextNormalPair();
            if (i >= skip)
            {
                destination[i - skip] = (float)(a * std);
            }

            if (i + 1 >= skip && i + 1 < end)
            {
                destination[i + 1 - skip] = (float)(b * std);
            }
        }
    }

    private static ulong TensorSeed(ulong seed, string name)
    {
        ulong hash = 0xCBF29CE484222325UL;                // FNV-1a 64 of the UTF-8 name
        foreach (byte c in Encoding.UTF8.GetBytes(name))
        {
            hash = (hash ^ c) * 0x100000001B3UL;
        }

        ulong state = seed ^ hash;
        return Xoshiro256StarStar.SplitMix64(ref state);
    }
}
