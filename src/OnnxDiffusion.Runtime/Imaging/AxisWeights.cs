namespace OnnxDiffusion.Runtime.Imaging;

/// <summary>
/// Per-axis resampling taps: output <c>o</c> reads <c>Indices[Offsets[o]..Offsets[o+1]]</c> with the matching
/// <c>Weights</c>. Separable methods (nearest, bilinear, bicubic, area) are one table per axis.
/// </summary>
internal sealed class AxisWeights
{
    private AxisWeights(int[] offsets, int[] indices, float[] weights)
    {
        Offsets = offsets;
        Indices = indices;
        Weights = weights;
    }

    public int[] Offsets { get; }

    public int[] Indices { get; }

    public float[] Weights { get; }

    public int OutputSize => Offsets.Length - 1;

    /// <summary>Taps of torch's interpolate/adaptive pooling for <paramref name="method"/>.</summary>
    public static AxisWeights For(ResizeMethod method, int inSize, int outSize)
    {
        var offsets = new int[outSize + 1];
        var indices = new List<int>();
        var weights = new List<float>();
        float scale = (float)inSize / outSize;
        for (int o = 0; o < outSize; o++)
        {
            offsets[o] = indices.Count;
            switch (method)
            {
                case ResizeMethod.NearestExact:
                    indices.Add(Math.Min((int)MathF.Floor((float)((o + 0.5) * scale)), inSize - 1));
                    weights.Add(1f);
                    break;
                case ResizeMethod.Bilinear:
                    AddLinear(o, scale, inSize, indices, weights);
                    break;
                case ResizeMethod.Bicubic:
                    AddCubic(o, scale, inSize, indices, weights);
                    break;
                case ResizeMethod.Area:
                    int start = (int)((long)o * inSize / outSize);
                    int end = (int)(((long)(o + 1) * inSize + outSize - 1) / outSize);
                    for (int i = start; i < end; i++)
                    {
                        indices.Add(i);
                        weights.Add(1f / (end - start));
                    }

                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(method), method, "Not a separable torch mode.");
            }
        }

        offsets[outSize] = indices.Count;
        return new AxisWeights(offsets, indices.ToArray(), weights.ToArray());
    }

    private static void AddLinear(int o, float scale, int inSize, List<int> indices, List<float> weights)
    {
        float src = Math.Max(scale * (o + 0.5f) - 0.5f, 0f);
        int i0 = Math.Min((int)src, inSize - 1);
        int i1 = Math.Min(i0 + 1, inSize - 1);
        float lambda = Math.Min(src - i0, 1f);
        indices.Add(i0);
        weights.Add(1f - lambda);
        indices.Add(i1);
        weights.Add(lambda);
    }

    private static void AddCubic(int o, float scale, int inSize, List<int> indices, List<float> weights)
    {
        const float A = -0.75f;
        float src = scale * (o + 0.5f) - 0.5f;
        int i0 = (int)MathF.Floor(src);
        float t = src - i0;
        float[] w =
        [
            CubicFar(t + 1f, A), CubicNear(t, A), CubicNear(1f - t, A), CubicFar(2f - t, A),
        ];
        for (int k = 0; k < 4; k++)
        {
            indices.Add(Math.Clamp(i0 - 1 + k, 0, inSize - 1));
            weights.Add(w[k]);
        }
    }

    /// <summary>Keys cubic convolution for |x| ≤ 1.</summary>
    private static float CubicNear(float x, float a) => ((a + 2) * x - (a + 3)) * x * x + 1;

    /// <summary>Keys cubic convolution for 1 &lt; |x| &lt; 2.</summary>
    private static float CubicFar(float x, float a) => ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
}
