using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Core.Tests.Weights;

[Category("Unit")]
public sealed class RenamedWeightSourceTests
{
    private static string Write(TempDir dir) => WriteFile(dir.File("w.safetensors"),
        ("encoder.a", [1, 2, 3, 4]), ("decoder.b", [5, 6]), ("loss.c", [7]));

    private static string WriteFile(string path, params (string Name, byte[] Data)[] tensors)
    {
        SafetensorsWriter.Write(path, tensors.Select(t => (t.Name, DType.U8, new long[] { t.Data.Length }, t.Data))
            .ToList());
        return path;
    }

    [Test]
    public void Rename_PrefixAndHide_ListsMappedNamesWithOriginalBytes()
    {
        using var dir = new TempDir();
        using IWeightSource file = WeightFile.Open(Write(dir));
        using var view = new RenamedWeightSource(file,
            n => n.StartsWith("loss.", StringComparison.Ordinal) ? null : "p." + n);

        Assert.That(view.Tensors.Select(t => t.Name), Is.EqualTo(new[] { "p.decoder.b", "p.encoder.a" }));
        Assert.That(view.GetBytes("p.encoder.a").ToArray(), Is.EqualTo(new byte[] { 1, 2, 3, 4 }));
        Assert.That(view.TryGetInfo("p.decoder.b", out TensorInfo info), Is.True);
        Assert.That(info.Shape, Is.EqualTo(new long[] { 2 }));
        Assert.That(view.TryGetInfo("loss.c", out _), Is.False);
        Assert.Throws<KeyNotFoundException>(() => view.GetBytes("encoder.a"));
    }

    [Test]
    public void Rename_TwoNamesToOne_ThrowsNamingBoth()
    {
        using var dir = new TempDir();
        using IWeightSource file = WeightFile.Open(Write(dir));

        var ex = Assert.Throws<ArgumentException>(() => _ = new RenamedWeightSource(file, _ => "same"));

        Assert.That(ex!.Message, Does.Contain("same").And.Contain("encoder.a").And.Contain("decoder.b"));
    }

    [Test]
    public void Dispose_NotOwner_LeavesInnerOpen()
    {
        using var dir = new TempDir();
        using IWeightSource file = WeightFile.Open(Write(dir));
        new RenamedWeightSource(file, n => n).Dispose();

        Assert.That(file.GetBytes("decoder.b").ToArray(), Is.EqualTo(new byte[] { 5, 6 }));
    }
}
