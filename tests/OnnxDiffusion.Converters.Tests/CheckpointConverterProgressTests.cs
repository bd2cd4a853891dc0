using OnnxDiffusion.Converters.Export;
using OnnxDiffusion.Converters.Tests.Support;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Layouts;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Converters.Tests;

/// <summary>
/// Progress reports of <see cref="CheckpointConverter.Convert"/>: components in run order, bytes never going back,
/// one fixed total equal to the fp32 size of every weight, and the weights' last report reaching that total.
/// </summary>
[Category("Integration")]
public sealed class CheckpointConverterProgressTests
{
    [TestCase(DType.F32)]
    [TestCase(DType.F16)]
    public void Convert_TinyCheckpoint_ReportsMonotoneBytesEndingAtTheFp32Total(DType dtype)
    {
        using var dir = new TempDir("convert-progress");
        TinyCheckpoint weights = TinyCheckpoint.Create(Sd15Config.Tiny, seed: 41, dtype);
        string source = weights.WriteSafetensors(dir.File("tiny.safetensors"));
        var reports = new List<ConvertProgress>();

        Packages.Convert(source, dir.File("package"), Packages.WriteTokenizer(dir.File("tokenizer")),
            new SyncProgress(reports.Add));

        long parameters = weights.Tensors.Where(t => t.Name != Sd15Layout.PositionIdsKey)
            .Sum(t => t.Shape.Aggregate(1L, (a, d) => a * d));
        long total = 4 * parameters;
        Assert.That(reports, Is.Not.Empty);
        Assert.That(reports.Select(r => r.TotalBytes).Distinct(), Is.EqualTo(new[] { total }), "total");
        for (int i = 1; i < reports.Count; i++)
        {
            Assert.That(reports[i].BytesWritten, Is.GreaterThanOrEqualTo(reports[i - 1].BytesWritten),
                $"report {i} ({reports[i].Component}) went back");
        }

        string[] order = reports.Select(r => r.Component).Distinct().ToArray();
        Assert.That(order, Is.EqualTo(PackageLayout.Components.Append("hash")));
        ConvertProgress lastWeights = reports.Last(r => r.Component == PackageLayout.VaeDecoder);
        Assert.That(lastWeights.BytesWritten, Is.EqualTo(total), "bytes written when the last weight is out");
        Assert.That(reports[^1].BytesWritten, Is.EqualTo(total));
    }

    private sealed class SyncProgress(Action<ConvertProgress> report) : IProgress<ConvertProgress>
    {
        public void Report(ConvertProgress value) => report(value);
    }
}
