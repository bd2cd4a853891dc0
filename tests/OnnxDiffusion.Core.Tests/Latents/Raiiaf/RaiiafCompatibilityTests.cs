using System.Text;
using OnnxDiffusion.Core.Latents.Raiiaf;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.TestSupport;
using ZstdSharp;

namespace OnnxDiffusion.Core.Tests.Latents.Raiiaf;

/// <summary>
/// Reads files laid out exactly as the upstream Python encoder writes them (made by scripts/raiiaf/crosscheck.py
/// with numpy, zfpy and python-zstandard): unsqueezed 4-D zfp streams, a stale manifest file_size, float16 stored
/// uncompressed (the upstream default path that works) and the older 29-byte header. Expected values come from the
/// same closed-form formula the script used.
/// </summary>
[Category("Unit")]
public sealed class RaiiafCompatibilityTests
{
    private static string Fixture(string name) =>
        Path.Combine(SharedData.RepoRoot, "tests", "data", "raiiaf", "upstream", name);

    private static void AssertSame(FloatTensor expected, FloatTensor actual)
    {
        Assert.That(actual.Shape, Is.EqualTo(expected.Shape));
        Assert.That(actual.Data, Is.EqualTo(expected.Data));
    }

    [Test]
    public void Open_UpstreamCompressedFile_ReadsLatentsImageAndEnvironment()
    {
        using RaiiafFile file = RaiiafFile.Open(Fixture("upstream-f32-zfp4d.raiiaf"));
        Assert.That(file.Header.Size, Is.EqualTo(33));
        Assert.That(file.Manifest.StatedFileSize, Is.Not.EqualTo((long)file.Header.FileSize), "upstream's stale value");
        AssertSame(RaiiafGoldenCases.Exact(11, 1, 4, 8, 8), file.ReadLatent("samples"));
        AssertSame(RaiiafGoldenCases.Exact(12, 2, 4, 4, 4), file.ReadLatent("second"));
        Assert.That(file.ReadImage(), Is.EqualTo(File.ReadAllBytes(Fixture("tiny.png"))));
        RaiiafEnvironment env = file.ReadEnvironment()!;
        Assert.That(env.Components[0].CanonicalString, Is.EqualTo("name=numpy;version=1.24.2"));
        Assert.That(env.Components[0], Is.EqualTo(
            RaiiafEnvironmentComponent.Create("numpy", "name=numpy;version=1.24.2")));
        Assert.That(file.Manifest.ModelInfo.GenerationSettings!["cfg_scale"]!.GetValue<double>(), Is.EqualTo(7.5));
    }

    [Test]
    public void Open_UpstreamUncompressedFloat16_ReadsExactHalves()
    {
        using RaiiafFile file = RaiiafFile.Open(Fixture("upstream-f16-uncompressed.raiiaf"));
        Assert.That(file.Latents[0].Latent!.DType, Is.EqualTo(DType.F16));
        AssertSame(RaiiafGoldenCases.Exact(13, 1, 4, 8, 8), file.ReadLatent(0));
    }

    [Test]
    public void Open_Legacy29ByteHeader_ReadsLatent()
    {
        using RaiiafFile file = RaiiafFile.Open(Fixture("upstream-legacy29.raiiaf"));
        Assert.That(file.Header.Size, Is.EqualTo(29));
        Assert.That(file.Chunks[0].Offset, Is.EqualTo(29));
        AssertSame(RaiiafGoldenCases.Exact(14, 1, 4, 8, 8), file.ReadLatent(0));
    }

    [Test]
    public void Write_ModelInfoReadFromUpstream_ReserializesAsPythonDid()
    {
        byte[] upstreamBytes = File.ReadAllBytes(Fixture("upstream-f32-zfp4d.raiiaf"));
        using RaiiafFile upstream = RaiiafFile.Open(new MemoryStream(upstreamBytes));
        byte[] ours = RaiiafWriter.ToBytes(
            [new RaiiafLatent("samples", upstream.ReadLatent(0))],
            new RaiiafWriteOptions { ModelInfo = upstream.Manifest.ModelInfo });
        Assert.That(ModelInfoText(ours), Is.EqualTo(ModelInfoText(upstreamBytes)));
    }

    /// <summary>
    /// The <c>"model_info": {...}</c> text of a file's manifest, cut out of the decompressed JSON (located through
    /// the header fields, independent of the manifest parser).
    /// </summary>
    private static string ModelInfoText(byte[] file)
    {
        int offset = BitConverter.ToInt32(file, 9);
        int size = BitConverter.ToInt32(file, 13);
        using var d = new Decompressor();
        string json = Encoding.UTF8.GetString(d.Unwrap(file.AsSpan(offset, size)).ToArray()[12..]);
        int start = json.IndexOf("\"model_info\"", StringComparison.Ordinal);
        int end = json.IndexOf("\"chunks\"", StringComparison.Ordinal);
        return json[start..end];
    }
}
