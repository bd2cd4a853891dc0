namespace OnnxDiffusion.Converters.Precision.Int8;

/// <summary>
/// The arithmetic of INT8 quantization (ONNX QuantizeLinear semantics: <c>q = saturate(round(x / scale) + zp)</c>,
/// round half to even; DequantizeLinear: <c>x = (q − zp) · scale</c>). Weights are symmetric per channel with
/// zero point 0 and range ±127; activations are affine over a calibrated range widened to include 0, so 0 is
/// exactly representable (padding and ReLU zeros stay exact). Stateless.
/// </summary>
public static class Int8Math
{
    /// <summary>
    /// Symmetric per-channel quantization of <paramref name="values"/> (C order, <paramref name="shape"/>) along
    /// <paramref name="axis"/>: one scale per index of that axis, <c>scale = max|w| / 127</c> (1 for an all-zero
    /// channel), values rounded and clamped to [−127, 127].
    /// </summary>
    /// <returns>Quantized values (same layout) and one scale per channel.</returns>
    public static (sbyte[] Quantized, float[] Scales) QuantizePerChannel(float[] values, long[] shape, int axis)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentOutOfRangeException.ThrowIfNegative(axis);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(axis, shape.Length);
        long inner = 1;
        for (int i = axis + 1; i < shape.Length; i++)
        {
            inner *= shape[i];
        }

        int channels = checked((int)shape[axis]);
        var absMax = new float[channels];
        for (long i = 0; i < values.Length; i++)
        {
            int c = (int)(i / inner % channels);
            absMax[c] = Math.Max(absMax[c], Math.Abs(values[i]));
        }

        float[] scales = Array.ConvertAll(absMax, a => a > 0 ? a / 127f : 1f);
        var quantized = new sbyte[values.Length];
        for (long i = 0; i < values.Length; i++)
        {
            int c = (int)(i / inner % channels);
            quantized[i] = (sbyte)Math.Clamp(MathF.Round(values[i] / scales[c], MidpointRounding.ToEven), -127, 127);
        }

        return (quantized, scales);
    }

    /// <summary>
    /// Scale and zero point that map [<paramref name="min"/>, <paramref name="max"/>] (widened to include 0) onto
    /// uint8 [0, 255] or int8 [−128, 127]: <c>scale = (max − min) / 255</c>,
    /// <c>zp = round(qmin − min / scale)</c>. A degenerate range gives scale 1 with the zero point of 0.
    /// </summary>
    public static (float Scale, int ZeroPoint) ActivationParameters(float min, float max, bool signed)
    {
        float rmin = Math.Min(min, 0f), rmax = Math.Max(max, 0f);
        int qmin = signed ? -128 : 0, qmax = signed ? 127 : 255;
        if (!float.IsFinite(rmin) || !float.IsFinite(rmax) || rmax - rmin <= 0)
        {
            return (1f, 0);
        }

        float scale = (rmax - rmin) / (qmax - qmin);
        int zeroPoint = (int)Math.Clamp(MathF.Round(qmin - (rmin / scale), MidpointRounding.ToEven), qmin, qmax);
        return (scale, zeroPoint);
    }

    /// <summary>
    /// int32 bias for a quantized Conv/Gemm: <c>round(bias[c] / (inputScale · weightScales[c]))</c>, saturated.
    /// </summary>
    public static int[] QuantizeBias(float[] bias, float inputScale, float[] weightScales)
    {
        ArgumentNullException.ThrowIfNull(bias);
        ArgumentNullException.ThrowIfNull(weightScales);
        var result = new int[bias.Length];
        for (int c = 0; c < bias.Length; c++)
        {
            double q = Math.Round(bias[c] / ((double)inputScale * weightScales[c]), MidpointRounding.ToEven);
            result[c] = (int)Math.Clamp(q, int.MinValue, int.MaxValue);
        }

        return result;
    }
}
