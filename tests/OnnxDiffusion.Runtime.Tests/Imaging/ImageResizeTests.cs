using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Runtime.Imaging;

namespace OnnxDiffusion.Runtime.Tests.Imaging;

/// <summary>
/// Checks the torch-mode resizes against naive 2-D references written from the formulas (in double), plus closed
/// forms worked out by hand from torch's align_corners=False conventions.
/// </summary>
[Category("Unit")]
public sealed class ImageResizeTests
{
    private static FloatTensor Random(int n, int c, int h, int w, int seed)
    {
        var rng = new Random(seed);
        var t = new FloatTensor(n, c, h, w);
        for (int i = 0; i < t.Length; i++)
        {
            t.Data[i] = (float)rng.NextDouble();
        }

        return t;
    }

    private static double At(FloatTensor t, int n, int c, int y, int x) =>
        t.Data[((n * t.Shape[1] + c) * t.Shape[2] + y) * t.Shape[3] + x];

    [Test]
    public void Resize_BilinearRamp_MatchesHandComputedTorchValues()
    {
        var ramp = new FloatTensor([1, 1, 1, 2], [0f, 1f]);
        var result = ImageResize.Resize(ramp, 4, 1, ResizeMethod.Bilinear);
        Assert.That(result.Data, Is.EqualTo(new[] { 0f, 0.25f, 0.75f, 1f }).Within(1e-6f));
    }

    [Test]
    public void Resize_NearestExact_MatchesHandComputedIndices()
    {
        var up = ImageResize.Resize(new FloatTensor([1, 1, 1, 2], [10f, 20f]), 4, 1, ResizeMethod.NearestExact);
        var down = ImageResize.Resize(new FloatTensor([1, 1, 1, 3], [1f, 2f, 3f]), 2, 1, ResizeMethod.NearestExact);
        Assert.That(up.Data, Is.EqualTo(new[] { 10f, 10f, 20f, 20f }));
        Assert.That(down.Data, Is.EqualTo(new[] { 1f, 3f }));
    }

    [Test]
    public void Resize_AreaHalving_AveragesPairs()
    {
        var result = ImageResize.Resize(new FloatTensor([1, 1, 1, 4], [1f, 2f, 3f, 4f]), 2, 1, ResizeMethod.Area);
        Assert.That(result.Data, Is.EqualTo(new[] { 1.5f, 3.5f }));
    }

    [TestCase(5, 7, 9, 4)]
    [TestCase(6, 4, 3, 10)]
    [TestCase(8, 8, 8, 8)]
    public void Resize_Bilinear_MatchesNaiveReference(int h, int w, int outH, int outW)
    {
        var input = Random(2, 3, h, w, 11);
        var result = ImageResize.Resize(input, outW, outH, ResizeMethod.Bilinear);
        for (int n = 0; n < 2; n++)
        {
            for (int c = 0; c < 3; c++)
            {
                for (int oy = 0; oy < outH; oy++)
                {
                    for (int ox = 0; ox < outW; ox++)
                    {
                        double sy = Math.Max((oy + 0.5) * h / outH - 0.5, 0);
                        double sx = Math.Max((ox + 0.5) * w / outW - 0.5, 0);
                        int y0 = (int)sy, x0 = (int)sx;
                        int y1 = Math.Min(y0 + 1, h - 1), x1 = Math.Min(x0 + 1, w - 1);
                        double ly = sy - y0, lx = sx - x0;
                        double expected = (1 - ly) * ((1 - lx) * At(input, n, c, y0, x0) + lx * At(input, n, c, y0, x1))
                            + ly * ((1 - lx) * At(input, n, c, y1, x0) + lx * At(input, n, c, y1, x1));
                        Assert.That(At(result, n, c, oy, ox), Is.EqualTo(expected).Within(1e-5));
                    }
                }
            }
        }
    }

    [TestCase(5, 7, 9, 4)]
    [TestCase(4, 4, 11, 13)]
    public void Resize_Bicubic_MatchesNaiveKernelReference(int h, int w, int outH, int outW)
    {
        var input = Random(1, 2, h, w, 5);
        var result = ImageResize.Resize(input, outW, outH, ResizeMethod.Bicubic);
        for (int c = 0; c < 2; c++)
        {
            for (int oy = 0; oy < outH; oy++)
            {
                for (int ox = 0; ox < outW; ox++)
                {
                    double sy = (oy + 0.5) * h / outH - 0.5, sx = (ox + 0.5) * w / outW - 0.5;
                    double expected = 0;
                    for (int j = (int)Math.Floor(sy) - 1; j <= (int)Math.Floor(sy) + 2; j++)
                    {
                        for (int i = (int)Math.Floor(sx) - 1; i <= (int)Math.Floor(sx) + 2; i++)
                        {
                            expected += Keys(sy - j) * Keys(sx - i)
                                * At(input, 0, c, Math.Clamp(j, 0, h - 1), Math.Clamp(i, 0, w - 1));
                        }
                    }

                    Assert.That(At(result, 0, c, oy, ox), Is.EqualTo(expected).Within(2e-5));
                }
            }
        }
    }

    [TestCase(9, 7, 4, 3)]
    [TestCase(4, 6, 7, 9)]
    public void Resize_Area_MatchesAdaptivePoolingReference(int h, int w, int outH, int outW)
    {
        var input = Random(1, 1, h, w, 3);
        var result = ImageResize.Resize(input, outW, outH, ResizeMethod.Area);
        for (int oy = 0; oy < outH; oy++)
        {
            for (int ox = 0; ox < outW; ox++)
            {
                int y0 = (int)Math.Floor((double)oy * h / outH), y1 = (int)Math.Ceiling((double)(oy + 1) * h / outH);
                int x0 = (int)Math.Floor((double)ox * w / outW), x1 = (int)Math.Ceiling((double)(ox + 1) * w / outW);
                double sum = 0;
                for (int y = y0; y < y1; y++)
                {
                    for (int x = x0; x < x1; x++)
                    {
                        sum += At(input, 0, 0, y, x);
                    }
                }

                Assert.That(At(result, 0, 0, oy, ox), Is.EqualTo(sum / ((y1 - y0) * (x1 - x0))).Within(1e-5));
            }
        }
    }

    [TestCase(7, 5, 13, 3)]
    [TestCase(6, 6, 6, 6)]
    public void Resize_NearestExact_MatchesIndexFormula(int h, int w, int outH, int outW)
    {
        var input = Random(1, 1, h, w, 9);
        var result = ImageResize.Resize(input, outW, outH, ResizeMethod.NearestExact);
        for (int oy = 0; oy < outH; oy++)
        {
            for (int ox = 0; ox < outW; ox++)
            {
                int sy = Math.Min((int)Math.Floor((oy + 0.5) * h / outH), h - 1);
                int sx = Math.Min((int)Math.Floor((ox + 0.5) * w / outW), w - 1);
                Assert.That(At(result, 0, 0, oy, ox), Is.EqualTo(At(input, 0, 0, sy, sx)));
            }
        }
    }

    [Test]
    public void CropToAspect_WideToSquare_CutsBothSidesWithBankersRounding()
    {
        // 5 wide, 2 high to 1:1: cut = round((5 − 5·(1/2.5)) / 2) = round(1.5) = 2 (half to even).
        var input = new FloatTensor([1, 1, 2, 5], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        var cropped = ImageResize.CropToAspect(input, 64, 64);
        Assert.That(cropped.Shape, Is.EqualTo(new[] { 1, 1, 2, 1 }));
        Assert.That(cropped.Data, Is.EqualTo(new[] { 2f, 7f }));
    }

    [Test]
    public void CommonUpscale_CenterCrop_CropsThenResizes()
    {
        var input = Random(1, 1, 4, 8, 1);
        var expected = ImageResize.Resize(ImageTensors.CropNchw(input, 2, 0, 4, 4), 2, 2, ResizeMethod.Bilinear);
        var result = ImageResize.CommonUpscale(input, 2, 2, ResizeMethod.Bilinear, centerCrop: true);
        Assert.That(result.Data, Is.EqualTo(expected.Data));
    }

    [Test]
    public void Resize_Lanczos_ConstantImageStaysConstant()
    {
        var input = new FloatTensor(1, 3, 6, 9);
        Array.Fill(input.Data, 200f / 255f);
        var result = ImageResize.Resize(input, 4, 13, ResizeMethod.Lanczos);
        Assert.That(result.Data, Has.All.EqualTo(200f / 255f));
    }

    [Test]
    public void Resize_LanczosSameSize_QuantisesOnly()
    {
        var input = Random(1, 3, 5, 4, 2);
        var result = ImageResize.Resize(input, 4, 5, ResizeMethod.Lanczos);
        for (int i = 0; i < input.Length; i++)
        {
            Assert.That(result.Data[i], Is.EqualTo(Math.Floor(input.Data[i] * 255f) / 255f).Within(1e-6));
        }
    }

    [TestCase(9, 7, 4, 5)]
    [TestCase(5, 4, 12, 9)]
    public void Resize_Lanczos_WithinOneLevelOfFloatingPointReference(int h, int w, int outH, int outW)
    {
        var input = Random(1, 3, h, w, 4);
        var result = ImageResize.Resize(input, outW, outH, ResizeMethod.Lanczos);
        for (int c = 0; c < 3; c++)
        {
            double[,] q = new double[h, w];
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    q[y, x] = Math.Floor(At(input, 0, c, y, x) * 255f);
                }
            }

            double[,] rows = ReferenceLanczos(q, outW, horizontal: true);
            double[,] full = ReferenceLanczos(rows, outH, horizontal: false);
            for (int y = 0; y < outH; y++)
            {
                for (int x = 0; x < outW; x++)
                {
                    Assert.That(At(result, 0, c, y, x) * 255, Is.EqualTo(full[y, x]).Within(1.01));
                }
            }
        }
    }

    [Test]
    public void Resize_BislerpOrthogonalNeighbours_RotatesDirectionAndLerpsLength()
    {
        // Pixels (1, 0) and (0, 2) as 2-channel vectors; width 2 → 4: ratios 0, 0.25, 0.75 then the 2nd pixel.
        var input = new FloatTensor([1, 2, 1, 2], [1f, 0f, 0f, 2f]);
        var result = ImageResize.Resize(input, 4, 1, ResizeMethod.Bislerp);
        double[] angles = [0, 22.5, 67.5, 90];
        double[] lengths = [1, 1.25, 1.75, 2];
        for (int x = 0; x < 4; x++)
        {
            double a = angles[x] * Math.PI / 180;
            Assert.That(At(result, 0, 0, 0, x), Is.EqualTo(lengths[x] * Math.Cos(a)).Within(1e-5), $"x={x} ch0");
            Assert.That(At(result, 0, 1, 0, x), Is.EqualTo(lengths[x] * Math.Sin(a)).Within(1e-5), $"x={x} ch1");
        }
    }

    [Test]
    public void Resize_BislerpParallelNeighbours_TakesFirstNeighbour()
    {
        var input = new FloatTensor([1, 2, 1, 2], [1f, 2f, 1f, 2f]);
        var result = ImageResize.Resize(input, 4, 1, ResizeMethod.Bislerp);
        Assert.That(result.Data, Is.EqualTo(new[] { 1f, 1f, 1f, 2f, 1f, 1f, 1f, 2f }));
    }

    [Test]
    public void Resize_NotFourDimensional_Throws()
    {
        Assert.Throws<ArgumentException>(() => ImageResize.Resize(new FloatTensor(2, 2), 4, 4, ResizeMethod.Area));
    }

    private static double Keys(double x)
    {
        const double A = -0.75;
        x = Math.Abs(x);
        return x <= 1 ? ((A + 2) * x - (A + 3)) * x * x + 1
            : x < 2 ? ((A * x - 5 * A) * x + 8 * A) * x - 4 * A
            : 0;
    }

    private static double Sinc(double x) => x == 0 ? 1 : Math.Sin(Math.PI * x) / (Math.PI * x);

    /// <summary>PIL's Lanczos pass in floating point, rounding the result to uint8.</summary>
    private static double[,] ReferenceLanczos(double[,] src, int outLen, bool horizontal)
    {
        int h = src.GetLength(0), w = src.GetLength(1), inLen = horizontal ? w : h;
        if (outLen == inLen)
        {
            return src;
        }

        double scale = (double)inLen / outLen, support = 3 * Math.Max(scale, 1);
        var dst = horizontal ? new double[h, outLen] : new double[outLen, w];
        for (int o = 0; o < outLen; o++)
        {
            double center = (o + 0.5) * scale, total = 0;
            var taps = new List<(int, double)>();
            int first = Math.Max((int)(center - support + 0.5), 0);
            int end = Math.Min((int)(center + support + 0.5), inLen);
            for (int i = first; i < end; i++)
            {
                double d = (i - center + 0.5) / Math.Max(scale, 1);
                double wgt = Math.Abs(d) < 3 || d == -3 ? Sinc(d) * Sinc(d / 3) : 0;
                taps.Add((i, wgt));
                total += wgt;
            }

            for (int k = 0; k < (horizontal ? h : w); k++)
            {
                double sum = taps.Sum(t => t.Item2 / total * (horizontal ? src[k, t.Item1] : src[t.Item1, k]));
                double v = Math.Clamp(Math.Round(sum, MidpointRounding.AwayFromZero), 0, 255);
                if (horizontal)
                {
                    dst[k, o] = v;
                }
                else
                {
                    dst[o, k] = v;
                }
            }
        }

        return dst;
    }
}
