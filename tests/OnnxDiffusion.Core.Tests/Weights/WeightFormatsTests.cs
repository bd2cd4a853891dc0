using System.Reflection;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Core.Tests.Weights;

/// <summary>Completeness of the reader registry, and the contract every reader keeps
/// (WeightReaderContractTests).</summary>
[Category("Unit")]
public sealed class WeightFormatsTests
{
    [Test]
    public void All_ListsEveryIWeightReaderInTheAssembly()
    {
        var implementations = typeof(IWeightReader).Assembly.GetTypes()
            .Where(t => typeof(IWeightReader).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false });
        foreach (Type type in implementations)
        {
            Assert.That(WeightFormats.All.Any(r => r.GetType() == type), Is.True,
                $"{type.Name} implements IWeightReader but is missing from WeightFormats.All: add one line there.");
        }
    }

    /// <summary>Writes a sample of the given tensors per format; returns the path to open.</summary>
    private static readonly Dictionary<string, Func<string, List<(string, DType, long[], byte[])>,
        string>> s_writers = new()
        {
            ["safetensors"] = (dir, tensors) =>
            {
                string path = Path.Combine(dir, "m.safetensors");
                SafetensorsWriter.Write(path, tensors);
                return path;
            },
            ["ckpt"] = (dir, tensors) =>
            {
                string path = Path.Combine(dir, "m.ckpt");
                TorchZipWriter.Write(path, tensors);
                return path;
            },
            ["diffusers"] = (dir, tensors) =>
            {
                Directory.CreateDirectory(Path.Combine(dir, "unet"));
                SafetensorsWriter.Write(Path.Combine(dir, "unet", "diffusion_pytorch_model.safetensors"), tensors);
                return dir;
            },
        };

    private static IEnumerable<string> Formats() => WeightFormats.All.Select(r => r.Format);

    [TestCaseSource(nameof(Formats))]
    public void Contract_RoundTripThroughWeightFile_GivesSameBytesSortedNamesAndFormat(string format)
    {
        Assert.That(s_writers.ContainsKey(format), Is.True, $"add a sample writer for '{format}' to this test");
        using var dir = new TempDir();
        var tensors = WeightTestData.EveryDType(5).Where(t => t.DType is not (DType.F8E4M3 or DType.F8E5M2)).ToList();
        string path = s_writers[format](dir.Path, tensors);
        using IWeightSource source = WeightFile.Open(path);
        Assert.That(source.Format, Is.EqualTo(format));
        Assert.That(source.Tensors.Select(t => t.Name), Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
        string prefix = format == "diffusers" ? "unet/" : "";
        foreach (var (name, _, _, data) in tensors)
        {
            Assert.That(source.GetBytes(prefix + name).ToArray(), Is.EqualTo(data), name);
        }
    }

    [TestCaseSource(nameof(Formats))]
    public void Contract_TruncatedFile_ThrowsModelFormatException(string format)
    {
        using var dir = new TempDir();
        string path = s_writers[format](dir.Path, WeightTestData.EveryDType(6).Take(3).ToList());
        string file = Directory.Exists(path) ? Path.Combine(path, "unet", "diffusion_pytorch_model.safetensors") : path;
        byte[] bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length * 2 / 3)]);
        Assert.Throws<ModelFormatException>(() => WeightFile.Open(path).Dispose());
    }

    [Test]
    public void Readers_AreStatelessSingletons()
    {
        foreach (IWeightReader reader in WeightFormats.All)
        {
            var fields = reader.GetType()
                .GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);
            Assert.That(fields, Is.Empty, $"{reader.GetType().Name} must not hold state");
        }
    }
}
