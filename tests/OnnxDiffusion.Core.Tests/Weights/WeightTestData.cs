using System.Buffers.Binary;
using System.Text;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Tests.Weights;

/// <summary>Seeded tensors and hand-made safetensors bytes for the weight tests.</summary>
internal static class WeightTestData
{
    /// <summary>Random payload bytes (any bit pattern) for a tensor of <paramref name="shape"/>.</summary>
    public static byte[] RandomBytes(Random rng, DType dtype, long[] shape)
    {
        long count = shape.Aggregate(1L, (n, d) => n * d);
        var bytes = new byte[count * DTypes.SizeOf(dtype)];
        rng.NextBytes(bytes);
        return bytes;
    }

    /// <summary>One tensor of every dtype (plus a scalar and an empty tensor), seeded.</summary>
    public static List<(string Name, DType DType, long[] Shape, byte[] Data)> EveryDType(int seed)
    {
        var rng = new Random(seed);
        var tensors = new List<(string, DType, long[], byte[])>();
        foreach (DType dtype in DTypes.All)
        {
            long[] shape = [3, 1 + (int)dtype, 2];
            tensors.Add(($"t.{DTypes.ToSafetensorsName(dtype)}", dtype, shape, RandomBytes(rng, dtype, shape)));
        }

        tensors.Add(("scalar", DType.F32, [], RandomBytes(rng, DType.F32, [])));
        tensors.Add(("empty", DType.F16, [0, 4], []));
        return tensors;
    }

    /// <summary>A safetensors file made by hand: length prefix, the given header text, then the data bytes.</summary>
    public static byte[] Craft(string header, byte[] data)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }
}
