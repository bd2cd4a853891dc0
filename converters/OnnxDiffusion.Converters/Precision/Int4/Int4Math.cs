namespace OnnxDiffusion.Converters.Precision.Int4;

/// <summary>
/// 4-bit block quantization in the layout of ORT's <c>com.microsoft:MatMulNBits</c> (bits = 4): for a weight
/// <c>W [N, K]</c> (row n = output feature n), each row is split into <c>blocks = ceil(K / blockSize)</c> blocks
/// along K; each block has one scale (and, when asymmetric, one zero point), and dequantizes as
/// <c>(q − zp) · scale</c> with <c>q</c> in [0, 15].
/// <list type="bullet">
/// <item><c>B</c>: uint8 <c>[N, blocks, blockSize / 2]</c>; byte j of a block holds element 2j in its low nibble
/// and 2j + 1 in its high nibble; elements past K are padding (they dequantize to 0).</item>
/// <item><c>scales</c>: float <c>[N · blocks]</c>, index <c>n · blocks + b</c>.</item>
/// <item><c>zero_points</c> (asymmetric only): uint8 <c>[N · ceil(blocks / 2)]</c>, two per byte, block b of row
/// n at byte <c>n · ceil(blocks / 2) + b / 2</c>, low nibble for even b. Symmetric blocks use the implicit
/// zero point 8.</item>
/// </list>
/// Symmetric scales map the block's largest-magnitude value v to q = 0 (<c>scale = v / −8</c>, so the scale may be
/// negative), using all 16 levels; asymmetric ones span [min(block, 0), max(block, 0)] over 15 steps. Stateless.
/// </summary>
public static class Int4Math
{
    /// <summary>The implicit zero point of symmetric 4-bit blocks.</summary>
    public const int SymmetricZeroPoint = 8;

    /// <summary>Quantizes <paramref name="weight"/> (<c>[N, K]</c> row-major) into MatMulNBits inputs.</summary>
    /// <returns>Packed B, scales, and packed zero points (null when symmetric).</returns>
    /// <exception cref="ArgumentException">When the sizes do not match or the block size is not an even number ≥
    /// 2.</exception>
    public static (byte[] B, float[] Scales, byte[]? ZeroPoints) Quantize(
        float[] weight, int n, int k, int blockSize, bool symmetric)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if ((long)n * k != weight.Length || blockSize < 2 || blockSize % 2 != 0)
        {
            throw new ArgumentException(
                $"Weight of {weight.Length} values does not match [{n}, {k}] or block size {blockSize} is invalid.");
        }

        int blocks = (k + blockSize - 1) / blockSize;
        int zpStride = (blocks + 1) / 2;
        var packed = new byte[(long)n * blocks * (blockSize / 2)];
        var scales = new float[(long)n * blocks];
        byte[]? zeroPoints = symmetric ? null : new byte[(long)n * zpStride];
        var codes = new byte[blockSize];
        for (int row = 0; row < n; row++)
        {
            for (int b = 0; b < blocks; b++)
            {
                int start = b * blockSize;
                int length = Math.Min(blockSize, k - start);
                ReadOnlySpan<float> values = weight.AsSpan((row * k) + start, length);
                (float scale, int zp) = symmetric ? SymmetricScale(values) : AffineScale(values);
                for (int j = 0; j < blockSize; j++)
                {
                    codes[j] = j < length ? Code(values[j], scale, zp) : (byte)zp;
                }

                long offset = (((long)row * blocks) + b) * (blockSize / 2);
                for (int j = 0; j < blockSize / 2; j++)
                {
                    packed[offset + j] = (byte)(codes[2 * j] | (codes[(2 * j) + 1] << 4));
                }

                scales[((long)row * blocks) + b] = scale;
                if (zeroPoints is not null)
                {
                    long at = ((long)row * zpStride) + (b / 2);
                    zeroPoints[at] |= (byte)(b % 2 == 0 ? zp : zp << 4);
                }
            }

            if (zeroPoints is not null && blocks % 2 == 1)
            {
                // Unused high nibble of the last byte: the default zero point, never read.
                zeroPoints[((long)row * zpStride) + (blocks / 2)] |= SymmetricZeroPoint << 4;
            }
        }

        return (packed, scales, zeroPoints);
    }

    /// <summary>Dequantizes element (row, k) back to float (tests and diagnostics).</summary>
    public static float Dequantize(byte[] b, float[] scales, byte[]? zeroPoints, int k, int blockSize, int row, int col)
    {
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(scales);
        int blocks = (k + blockSize - 1) / blockSize;
        int block = col / blockSize, j = col % blockSize;
        byte packed = b[((((long)row * blocks) + block) * (blockSize / 2)) + (j / 2)];
        int code = j % 2 == 0 ? packed & 0x0F : packed >> 4;
        int zp = SymmetricZeroPoint;
        if (zeroPoints is not null)
        {
            byte z = zeroPoints[((long)row * ((blocks + 1) / 2)) + (block / 2)];
            zp = block % 2 == 0 ? z & 0x0F : z >> 4;
        }

        return (code - zp) * scales[((long)row * blocks) + block];
    }

    private static (float Scale, int ZeroPoint) SymmetricScale(ReadOnlySpan<float> values)
    {
        float extreme = 0;
        foreach (float v in values)
        {
            if (Math.Abs(v) > Math.Abs(extreme))
            {
                extreme = v;
            }
        }

        return (extreme == 0 ? 1f : extreme / -8f, SymmetricZeroPoint);
    }

    private static (float Scale, int ZeroPoint) AffineScale(ReadOnlySpan<float> values)
    {
        float min = 0, max = 0;
        foreach (float v in values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        if (max - min <= 0)
        {
            return (1f, 0);
        }

        float scale = (max - min) / 15f;
        return (scale, (int)Math.Clamp(MathF.Round(-min / scale, MidpointRounding.ToEven), 0, 15));
    }

    private static byte Code(float value, float scale, int zeroPoint) =>
        (byte)Math.Clamp(MathF.Round(value / scale, MidpointRounding.ToEven) + zeroPoint, 0, 15);
}
