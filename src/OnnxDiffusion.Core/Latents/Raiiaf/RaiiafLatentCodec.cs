using System.Runtime.InteropServices;
using System.Security.Cryptography;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Latents.Raiiaf;

/// <summary>A latent chunk ready to be written, with the values its manifest record needs.</summary>
internal sealed record EncodedLatent(
    byte[] Chunk, int LenHeader, int LenData, long UncompressedSize, string Hash, RaiiafLatentInfo Info);

/// <summary>
/// Encodes and decodes LATN chunks. Compressed: a zstd frame (level 3) of the 12-byte chunk header, then a zfp
/// stream with a full header. Uncompressed: the 12-byte header and the raw C-order array. Two upstream defects are
/// fixed in a way the upstream reader still understands: float16 latents give zfp their float32-widened values
/// (exact; the reader casts back per the <c>F16</c> flag, bit-exact), and singleton dimensions are squeezed
/// before zfp (the reader reshapes to the manifest shape), which avoids zfp's padding of size-1 dimensions to 4.
/// </summary>
internal static class RaiiafLatentCodec
{
    /// <summary>
    /// The shape handed to zfp for a latent of <paramref name="shape"/>: size-1 dimensions dropped, then leading
    /// dimensions merged while there are more than 4 or a size does not fit zfp's header (12 bits per dimension in
    /// 4-D, 16 in 3-D, 24 in 2-D). C-order data is unchanged by both steps.
    /// </summary>
    internal static int[] ZfpShape(ReadOnlySpan<int> shape)
    {
        var dims = new List<long>();
        foreach (int d in shape)
        {
            if (d != 1)
            {
                dims.Add(d);
            }
        }

        if (dims.Count == 0)
        {
            dims.Add(1);
        }

        while (dims.Count > 1 && (dims.Count > 4 || dims.Exists(d => d > MaxZfpDim(dims.Count))))
        {
            dims[1] *= dims[0];
            dims.RemoveAt(0);
        }

        return dims.ConvertAll(d => checked((int)d)).ToArray();
    }

    /// <summary>Encodes one validated latent (see <see cref="RaiiafValidation.CheckLatent"/>).</summary>
    internal static EncodedLatent Encode(string key, FloatTensor latent, bool float16, bool compress, double tolerance)
    {
        var info = new RaiiafLatentInfo(key, (int[])latent.Shape.Clone(), float16 ? DType.F16 : DType.F32);
        string flags = float16 ? RaiiafFormat.Float16Flags : RaiiafFormat.Float32Flags;
        float[] values = float16 ? RoundToHalf(latent.Data) : latent.Data;
        if (!compress)
        {
            byte[] raw = RawBytes(values, float16);
            byte[] header = RaiiafChunkHeader.Encode(RaiiafFormat.LatentType, flags, checked((uint)raw.Length));
            return new EncodedLatent([.. header, .. raw], header.Length, raw.Length, raw.Length, Sha(raw), info);
        }

        // zfp sees float32 values (widened halves for F16); the chunk header declares that array's byte size.
        byte[] headerFrame = ZstdFrames.Compress(
            RaiiafChunkHeader.Encode(RaiiafFormat.LatentType, flags, checked((uint)(values.Length * 4L))));
        byte[] payload = ZfpCodec.Compress(values, ZfpShape(info.Shape), tolerance);
        float[] stored = values;
        if (tolerance > 0)
        {
            stored = DecodeOwn(payload, values, tolerance, key);
            stored = float16 ? RoundToHalf(stored) : stored;
        }

        byte[] storedRaw = RawBytes(stored, float16);
        return new EncodedLatent(
            [.. headerFrame, .. payload], headerFrame.Length, payload.Length, storedRaw.Length, Sha(storedRaw), info);
    }

    /// <summary>
    /// Decodes a LATN chunk (<paramref name="chunk"/> = its on-disk bytes) described by <paramref name="record"/>
    /// and verifies values and sha256. Errors are <see cref="ModelFormatException"/>s naming the chunk.
    /// </summary>
    internal static FloatTensor Decode(ReadOnlySpan<byte> chunk, RaiiafChunkRecord record, string source)
    {
        RaiiafLatentInfo info = record.Latent ?? throw new ArgumentException("Not a LATN record.", nameof(record));
        string what = $"{source}: {record.Describe()}";
        bool half = info.DType == DType.F16;
        float[] values = record.Compressed
            ? DecodeCompressed(chunk, record, info, what)
            : DecodeRaw(chunk, record, info, what);
        if (half)
        {
            values = RoundToHalf(values);
        }

        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ModelFormatException($"{what}: element {i} is {values[i]}; latents must be finite.");
            }
        }

        string hash = Sha(RawBytes(values, half));
        if (hash != record.Hash)
        {
            throw new ModelFormatException(
                $"{what}: sha256 mismatch: the manifest says {record.Hash} but the decoded {info.DTypeName} array " +
                $"{info.ShapeText} hashes to {hash}. The chunk is damaged; rewrite the file from its source.");
        }

        return new FloatTensor((int[])info.Shape.Clone(), values);
    }

    private static float[] DecodeCompressed(
        ReadOnlySpan<byte> chunk, RaiiafChunkRecord record, RaiiafLatentInfo info, string what)
    {
        int lenHeader = (int)record.LenHeader!.Value;
        byte[] header = ZstdFrames.Decompress(chunk[..lenHeader], RaiiafFormat.ChunkHeaderSize, what + " header");
        CheckHeader(header, record, what, [info.RawBytes, info.ElementCount * 4]);
        (float[]? floats, double[]? doubles) = ZfpCodec.Decompress(chunk[lenHeader..], info.ElementCount, what);
        if (floats is not null)
        {
            return floats;
        }

        // A float64 stream (never written by us or upstream): cast as numpy's astype does.
        float[] result = new float[doubles!.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = info.DType == DType.F16 ? (float)(Half)doubles[i] : (float)doubles[i];
        }

        return result;
    }

    private static float[] DecodeRaw(
        ReadOnlySpan<byte> chunk, RaiiafChunkRecord record, RaiiafLatentInfo info, string what)
    {
        CheckHeader(chunk, record, what, [info.RawBytes]);
        ReadOnlySpan<byte> raw = chunk[RaiiafFormat.ChunkHeaderSize..];
        float[] values = new float[info.ElementCount];
        if (info.DType == DType.F32)
        {
            MemoryMarshal.Cast<byte, float>(raw).CopyTo(values);
        }
        else
        {
            ReadOnlySpan<Half> halves = MemoryMarshal.Cast<byte, Half>(raw);
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)halves[i];
            }
        }

        return values;
    }

    private static void CheckHeader(ReadOnlySpan<byte> header, RaiiafChunkRecord record, string what, long[] sizes)
    {
        if (header.Length < RaiiafFormat.ChunkHeaderSize)
        {
            throw new ModelFormatException($"{what}: the chunk header has {header.Length} bytes, not 12.");
        }

        RaiiafChunkHeader h = RaiiafChunkHeader.Decode(header);
        if (h.Type != RaiiafFormat.LatentType || h.Flags != record.Flags || Array.IndexOf(sizes, (long)h.Size) < 0)
        {
            throw new ModelFormatException(
                $"{what}: the chunk header says type \"{h.Type}\", flags \"{h.Flags}\", size {h.Size}, but the " +
                "manifest " +
                $"expects LATN, {record.Flags}, size {string.Join(" or ", sizes)}. The file is damaged.");
        }
    }

    private static float[] DecodeOwn(byte[] payload, float[] input, double tolerance, string key)
    {
        float[] decoded = ZfpCodec.Decompress(payload, input.Length, "zfp self-check").Floats!;
        for (int i = 0; i < input.Length; i++)
        {
            if (Math.Abs((double)decoded[i] - input[i]) > tolerance)
            {
                throw new InvalidInputException(
                    $"Latent '{key}': zfp fixed-accuracy mode could not meet tolerance {tolerance:G6} at element " +
                    $"{i} ({input[i]} came back as {decoded[i]}); the tolerance is below float32 resolution for " +
                    "these values. Use a larger tolerance or lossless storage.");
            }
        }

        return decoded;
    }

    private static float[] RoundToHalf(float[] values)
    {
        float[] result = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = (float)(Half)values[i];
        }

        return result;
    }

    private static byte[] RawBytes(float[] values, bool half)
    {
        if (!half)
        {
            return MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        }

        Half[] halves = new Half[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            halves[i] = (Half)values[i];
        }

        return MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
    }

    private static string Sha(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static long MaxZfpDim(int rank) => rank switch
    {
        1 => 1L << 48,
        2 => 1L << 24,
        3 => 1L << 16,
        _ => 1L << 12,
    };
}
