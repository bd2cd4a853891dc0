using System.Diagnostics;
using System.Globalization;
using OnnxDiffusion.Core.Latents.Raiiaf;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Tests.Latents.Raiiaf;

/// <summary>
/// Measurements for SD-shaped latents (opt-in, <c>Slow</c>): compression ratio of the LATN chunk against raw
/// float32, max abs error, encode and decode time, for lossless float32/float16 and lossy tolerances, plus the size
/// upstream's unsqueezed 4-D zfp layout would take. Asserts the guarantees (bit-exact, error ≤ tolerance). Run:
/// <c>dotnet test tests/OnnxDiffusion.Core.Tests --filter FullyQualifiedName~RaiiafBenchmark
/// --logger "console;verbosity=detailed"</c>.
/// </summary>
[Category("Slow")]
public sealed class RaiiafBenchmarkTests
{
    private static readonly int[][] s_shapes = [[1, 4, 64, 64], [4, 4, 128, 128]];

    [Test]
    public void Measure_SdShapedLatents_ReportsRatiosAndErrors()
    {
        var lines = new List<string>
        {
            "shape            data    mode              stored B   ratio(f32)  max abs err   enc ms  dec ms",
        };
        foreach (int[] shape in s_shapes)
        {
            foreach ((string name, FloatTensor latent) in new[]
                     {
                         ("normal", RaiiafTestData.Normal(42, shape)), ("smooth", RaiiafTestData.Smooth(42, shape)),
                     })
            {
                lines.Add(Row(shape, name, latent, "lossless f32", new RaiiafWriteOptions()));
                lines.Add(Row(shape, name, latent, "lossless f16", new RaiiafWriteOptions { Float16 = true }));
                lines.Add(Row(shape, name, latent, "uncompressed f16",
                    new RaiiafWriteOptions { Float16 = true, Compress = false }));
                foreach (double tol in new[] { 1e-3, 1e-2, 1e-1 })
                {
                    lines.Add(Row(shape, name, latent, $"lossy {tol:G2}", new RaiiafWriteOptions { Tolerance = tol }));
                }

                int upstream = ZfpCodec.Compress(latent.Data, shape, 0).Length + 21;
                lines.Add(F($"{Text(shape),-16} {name,-7} upstream 4-D zfp  {upstream,9:N0}  ") +
                          F($"{Ratio(latent, upstream),9:F2}x"));
            }
        }

        TestContext.Out.WriteLine(string.Join("\n", lines));
    }

    private static string Row(int[] shape, string name, FloatTensor latent, string mode, RaiiafWriteOptions options)
    {
        var clock = Stopwatch.StartNew();
        byte[] file = RaiiafWriter.ToBytes([new RaiiafLatent("samples", latent)], options);
        double encodeMs = clock.Elapsed.TotalMilliseconds;
        using RaiiafFile raiiaf = RaiiafFile.Open(new MemoryStream(file));
        clock.Restart();
        FloatTensor back = raiiaf.ReadLatent(0);
        double decodeMs = clock.Elapsed.TotalMilliseconds;
        double maxError = 0;
        for (int i = 0; i < latent.Length; i++)
        {
            float expected = options.Float16 ? (float)(Half)latent.Data[i] : latent.Data[i];
            if (options.Tolerance == 0)
            {
                Assert.That(BitConverter.SingleToInt32Bits(back.Data[i]),
                    Is.EqualTo(BitConverter.SingleToInt32Bits(expected)), $"{mode} element {i}");
            }

            maxError = Math.Max(maxError, Math.Abs((double)back.Data[i] - latent.Data[i]));
        }

        if (options.Tolerance > 0)
        {
            Assert.That(maxError, Is.LessThanOrEqualTo(options.Tolerance), mode);
        }

        long stored = raiiaf.Latents[0].CompressedSize;
        return F($"{Text(shape),-16} {name,-7} {mode,-16} {stored,9:N0}  {Ratio(latent, stored),9:F2}x  ") +
               F($"{maxError,11:G3}  {encodeMs,7:F1} {decodeMs,7:F1}");
    }

    private static double Ratio(FloatTensor latent, long stored) => 4.0 * latent.Length / stored;

    private static string Text(int[] shape) => "[" + string.Join(",", shape) + "]";

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
