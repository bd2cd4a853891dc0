using System.Text;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Latents.Raiiaf;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Tests.Latents.Raiiaf;

[Category("Unit")]
public sealed class RaiiafWriterTests
{
    private static InvalidInputException Reject(FloatTensor latent, RaiiafWriteOptions? options = null) =>
        Assert.Throws<InvalidInputException>(
            () => RaiiafWriter.ToBytes([new RaiiafLatent("samples", latent)], options))!;

    [Test]
    public void Write_NaNOrInfinity_IsRejected()
    {
        var latent = new FloatTensor(1, 4, 2, 2);
        latent.Data[5] = float.NaN;
        Assert.That(Reject(latent).Message, Does.Contain("NaN").And.Contain("element 5"));
        latent.Data[5] = float.NegativeInfinity;
        Assert.That(Reject(latent).Message, Does.Contain("infinity"));
    }

    [Test]
    public void Write_ValueOutsideFloat16Range_IsRejectedOnlyForFloat16()
    {
        var latent = new FloatTensor(1, 4, 2, 2);
        latent.Data[0] = 70000f;
        Assert.That(Reject(latent, new RaiiafWriteOptions { Float16 = true }).Message, Does.Contain("float16 range"));
        Assert.That(RaiiafWriter.ToBytes([new RaiiafLatent("samples", latent)]), Is.Not.Empty);
    }

    [TestCase(new[] { 4, 64, 64 })]
    [TestCase(new[] { 1, 1, 1, 1, 1, 1 })]
    [TestCase(new[] { 1, 4, 8193, 1 })]
    [TestCase(new[] { 2, 4, 0, 8 })]
    public void Write_BadShape_IsRejected(int[] shape)
    {
        Reject(new FloatTensor(shape));
    }

    [Test]
    public void CheckShape_TooManyElements_IsRejectedWithoutData()
    {
        var ex = Assert.Throws<InvalidInputException>(() => RaiiafValidation.CheckShape("s", [1, 2, 8192, 8192]));
        Assert.That(ex!.Message, Does.Contain("134217728 elements"));
        Assert.DoesNotThrow(() => RaiiafValidation.CheckShape("s", [1, 1, 8192, 8192]));
    }

    [Test]
    public void Write_LossyWithoutCompression_IsRejected()
    {
        Reject(new FloatTensor(1, 4, 2, 2), new RaiiafWriteOptions { Compress = false, Tolerance = 0.1 });
        Reject(new FloatTensor(1, 4, 2, 2), new RaiiafWriteOptions { Tolerance = -1 });
        Reject(new FloatTensor(1, 4, 2, 2), new RaiiafWriteOptions { Tolerance = double.NaN });
    }

    [Test]
    public void Write_DuplicateKeysOrNoLatents_IsRejected()
    {
        var t = new FloatTensor(1, 4, 2, 2);
        Assert.Throws<InvalidInputException>(() => RaiiafWriter.ToBytes([new("a", t), new("a", t)]));
        Assert.Throws<InvalidInputException>(() => RaiiafWriter.ToBytes([]));
    }

    [Test]
    public void Write_ImageThatIsNotPng_IsRejected()
    {
        Reject(new FloatTensor(1, 4, 2, 2), new RaiiafWriteOptions { Png = new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 } });
    }

    [Test]
    public void Write_SingletonDimensions_AreSqueezedBeforeZfp()
    {
        Assert.That(RaiiafLatentCodec.ZfpShape([1, 4, 64, 64]), Is.EqualTo(new[] { 4, 64, 64 }));
        Assert.That(RaiiafLatentCodec.ZfpShape([2, 1, 64, 64]), Is.EqualTo(new[] { 2, 64, 64 }));
        Assert.That(RaiiafLatentCodec.ZfpShape([1, 1, 1, 1]), Is.EqualTo(new[] { 1 }));
        Assert.That(RaiiafLatentCodec.ZfpShape([2, 16, 3, 8, 8]), Is.EqualTo(new[] { 32, 3, 8, 8 }));
        Assert.That(RaiiafLatentCodec.ZfpShape([2, 2, 8192, 3]), Is.EqualTo(new[] { 4, 8192, 3 }),
            "4-D zfp headers hold sizes up to 4096, so leading dimensions merge into a 3-D field");
    }

    [Test]
    public void Write_BatchOneLatent_CompressesFarBetterThanUnsqueezedZfp()
    {
        FloatTensor latent = RaiiafTestData.Normal(1, 1, 4, 64, 64);
        int squeezed = ZfpCodec.Compress(latent.Data, [4, 64, 64], 0).Length;
        int unsqueezed = ZfpCodec.Compress(latent.Data, [1, 4, 64, 64], 0).Length;
        byte[] file = RaiiafWriter.ToBytes([new RaiiafLatent("samples", latent)]);
        Assert.That(unsqueezed, Is.GreaterThan(3 * squeezed), "zfp pads the size-1 axis to 4 (upstream defect 3)");
        Assert.That(file.Length, Is.LessThan(squeezed + 2048));
    }

    [Test]
    public void Write_ManifestFileSize_IsExact()
    {
        byte[] bytes = RaiiafWriter.ToBytes([new RaiiafLatent("s", RaiiafTestData.Normal(1, 1, 4, 8, 8))]);
        using RaiiafFile file = RaiiafFile.Open(new MemoryStream(bytes));
        Assert.That(file.Manifest.StatedFileSize, Is.EqualTo(bytes.Length));
    }

    [Test]
    public void SettleManifest_CompressedLengthCycles_FallsBackToStoredAndIsExact()
    {
        // A "compressed" encoder whose length flips with the parity of the stated size never settles.
        const long tableOffset = 1000;
        (byte[] meta, long size) = RaiiafWriter.SettleManifest(
            tableOffset, s => new byte[537 + (s % 2)], s => ZstdFrames.Store(Encoding.ASCII.GetBytes($"{s}")));
        Assert.That(size, Is.EqualTo(tableOffset + meta.Length));
        Assert.That(Encoding.ASCII.GetString(ZstdFrames.Decompress(meta, 100, "test")), Is.EqualTo($"{size}"));
    }

    [TestCase(9_946L)]
    [TestCase(9_947L)]
    [TestCase(9_948L)]
    [TestCase(99_947L)]
    [TestCase(999_999_940L)]
    public void SettleManifest_StoredSizeStraddlesPowerOfTen_IsExact(long tableOffset)
    {
        // Compressed rounds disabled: the stored JSON's length changes with the digit count of the size it states.
        static byte[] Json(long s) => Encoding.ASCII.GetBytes($"{{\"file_size\": {s}, \"pad\": \"abcdefghij\"}}");
        (byte[] meta, long size) = RaiiafWriter.SettleManifest(
            tableOffset, _ => throw new AssertionException("compressed must not run"), s => ZstdFrames.Store(Json(s)),
            compressedRounds: 0);

        // Independent expectation: the smallest S >= offset with S = offset + 9 (frame header) + 3 (block header)
        // + len(json(S)), found by scanning.
        long expected = tableOffset;
        while (expected != tableOffset + 12 + Json(expected).Length)
        {
            expected++;
        }

        Assert.That(size, Is.EqualTo(expected));
        Assert.That(meta, Has.Length.EqualTo(size - tableOffset));
        Assert.That(ZstdFrames.Decompress(meta, 1000, "test"), Is.EqualTo(Json(size)));
    }

    [TestCase(0)]
    [TestCase(8)]
    public void Write_FileSizesAcrossPowerOfTen_ManifestFileSizeIsExact(int compressedRounds)
    {
        // Size the raw float32 latent so that the files straddle 10,000 bytes as the key grows (the key is stored
        // twice per byte of length: chunk payload is fixed, manifest carries it).
        var options = new RaiiafWriteOptions { Compress = false, ModelInfo = new() { Date = "2026-01-01T00:00:00" } };
        int probe = RaiiafWriter.ToBytes([new RaiiafLatent("k", new FloatTensor(1, 1, 1, 8))], options,
            compressedRounds).Length - 32;
        FloatTensor latent = RaiiafTestData.Normal(3, 1, 1, 1, (10_000 - probe - 100) / 4);
        int below = 0;
        int above = 0;
        for (int keyLength = 1; keyLength <= 301; keyLength += 3)
        {
            byte[] bytes = RaiiafWriter.ToBytes(
                [new RaiiafLatent(new string('k', keyLength), latent)], options, compressedRounds);
            using RaiiafFile file = RaiiafFile.Open(new MemoryStream(bytes));
            Assert.That(file.Manifest.StatedFileSize, Is.EqualTo(bytes.Length), $"key length {keyLength}");
            Assert.That(file.ReadLatent(0).Data, Is.EqualTo(latent.Data));
            below += bytes.Length < 10_000 ? 1 : 0;
            above += bytes.Length >= 10_000 ? 1 : 0;
        }

        Assert.That(below, Is.Positive);
        Assert.That(above, Is.Positive);
    }
}
