using Microsoft.ML.OnnxRuntime;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Ops;
using OnnxDiffusion.Graph.Serialization;
using OnnxDiffusion.Runtime.Onnx;
using OnnxDiffusion.Runtime.Tests.Pipelines;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Runtime.Tests.Onnx;

/// <summary>Session creation: optimization levels and the on-disk optimized-model cache.</summary>
[Category("Integration")]
public sealed class ModelSessionTests
{
    private TempDir _dir = null!;

    [SetUp]
    public void CreateDir() => _dir = new TempDir("onnxdiff-session");

    [TearDown]
    public void DeleteDir() => _dir.Dispose();

    /// <summary>A small conv net (Conv → SiLU → Conv), weights inline or in model.onnx.data.</summary>
    private string SmallModel(string folder, bool externalData = false)
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, "batch", 8, "height", "width");
        Value h = b.Silu(b.Conv2d(x, "conv1", outChannels: 16, kernel: 3, padding: 1));
        Value y = b.Conv2d(h, "conv2", outChannels: 8, kernel: 3, padding: 1);
        b.Output(y, "y");
        string path = Path.Combine(_dir.Path, folder, "model.onnx");
        ModelWriter.Write(b.Build(new SeededRandomInitializerSource(7)), path,
            new ModelWriteOptions { ForceExternalData = externalData, ExternalDataMinTensorBytes = 0 });
        return path;
    }

    private static float[] Evaluate(ModelSession session)
    {
        var input = new float[8 * 12 * 12];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = MathF.Sin(i * 0.37f);
        }

        return PlainOrt.Run(session.Session, "y", ("x", input, [1, 8, 12, 12]));
    }

    private SessionConfig Cached(string level = "all") =>
        new() { OptimizedModelCacheDir = Path.Combine(_dir.Path, "cache"), OptimizationLevel = level };

    private string[] CacheFiles() => Directory.Exists(Path.Combine(_dir.Path, "cache"))
        ? Directory.GetFiles(Path.Combine(_dir.Path, "cache"))
        : [];

    [Test]
    public void Create_WithCacheDir_WritesTheOptimizedGraphOnceThenLoadsIt()
    {
        string model = SmallModel("m");
        float[] reference;
        using (var plain = ModelSession.Create(model, new SessionConfig()))
        {
            reference = Evaluate(plain);
        }

        using (var first = ModelSession.Create(model, Cached()))
        {
            Assert.That(PlainOrt.MaxAbsDiff(Evaluate(first), reference), Is.LessThanOrEqualTo(1e-5f));
        }

        string key = OptimizedModelCache.Key(model, Cached(), OrtEnvironment.Version);
        Assert.That(CacheFiles().Select(Path.GetFileName), Is.EqualTo(new[] { key + ".onnx" }));
        DateTime written = File.GetLastWriteTimeUtc(CacheFiles()[0]);

        using var options = new SessionOptions();
        Assert.That(OptimizedModelCache.Apply(options, Cached(), model), Is.EqualTo(CacheFiles()[0]), "second load hits");
        using (var second = ModelSession.Create(model, Cached()))
        {
            Assert.That(PlainOrt.MaxAbsDiff(Evaluate(second), reference), Is.LessThanOrEqualTo(1e-5f));
        }

        Assert.That(CacheFiles(), Has.Length.EqualTo(1));
        Assert.That(File.GetLastWriteTimeUtc(CacheFiles()[0]), Is.EqualTo(written), "a hit must not rewrite the file");
    }

    [Test]
    public void Create_OtherLevel_MissesAndAddsASecondEntry()
    {
        string model = SmallModel("m");
        ModelSession.Create(model, Cached("all")).Dispose();
        ModelSession.Create(model, Cached("extended")).Dispose();

        Assert.That(CacheFiles(), Has.Length.EqualTo(2));
    }

    [Test]
    public void Key_ChangesWithLevelProviderDeviceAndModelBytes()
    {
        string model = SmallModel("m");
        string other = SmallModel("n", externalData: false);
        File.WriteAllBytes(other, [.. File.ReadAllBytes(other), 0]); // one trailing byte changes the hash
        string version = OrtEnvironment.Version;
        string key = OptimizedModelCache.Key(model, Cached(), version);

        Assert.That(OptimizedModelCache.Key(model, Cached(), version), Is.EqualTo(key), "stable");
        Assert.That(new[]
        {
            OptimizedModelCache.Key(model, Cached("extended"), version),
            OptimizedModelCache.Key(model, Cached() with { Provider = ExecutionProviderKind.Cuda }, version),
            OptimizedModelCache.Key(model, Cached() with { DeviceId = 1 }, version),
            OptimizedModelCache.Key(model, Cached(), "0.0.0"),
            OptimizedModelCache.Key(other, Cached(), version),
        }, Has.None.EqualTo(key));
    }

    [Test]
    public void Create_ModelWithExternalData_IsNotCached()
    {
        string model = SmallModel("ext", externalData: true);
        Assert.That(File.Exists(model + ".data"), Is.True);
        using (var session = ModelSession.Create(model, Cached()))
        {
            Assert.That(Evaluate(session), Has.Length.EqualTo(8 * 12 * 12));
        }

        using var options = new SessionOptions();
        Assert.That(OptimizedModelCache.Apply(options, Cached(), model), Is.EqualTo(model));
        Assert.That(options.OptimizedModelFilePath, Is.Empty);
        Assert.That(CacheFiles(), Is.Empty);
    }

    [Test]
    public void Create_CorruptCacheEntry_FallsBackToTheModelAndRewritesTheEntry()
    {
        string model = SmallModel("m");
        string entry = Path.Combine(_dir.Path, "cache", OptimizedModelCache.Key(model, Cached(), OrtEnvironment.Version) + ".onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(entry)!);
        File.WriteAllBytes(entry, [1, 2, 3, 4, 5]); // e.g. a crash while ORT was writing it

        using (var session = ModelSession.Create(model, Cached()))
        {
            Assert.That(Evaluate(session), Has.Length.EqualTo(8 * 12 * 12));
        }

        Assert.That(new FileInfo(entry).Length, Is.GreaterThan(5), "the broken entry is replaced");
    }

    [TestCase("all", GraphOptimizationLevel.ORT_ENABLE_ALL)]
    [TestCase("Extended", GraphOptimizationLevel.ORT_ENABLE_EXTENDED)]
    [TestCase("basic", GraphOptimizationLevel.ORT_ENABLE_BASIC)]
    [TestCase("disabled", GraphOptimizationLevel.ORT_DISABLE_ALL)]
    [Category("Unit")]
    public void ParseLevel_KnownName_MapsToOrtLevel(string name, GraphOptimizationLevel expected)
    {
        Assert.That(ModelSession.ParseLevel(name), Is.EqualTo(expected));
    }

    [Test]
    [Category("Unit")]
    public void ParseLevel_UnknownName_ThrowsListingTheValidLevels()
    {
        var ex = Assert.Throws<InvalidInputException>(() => ModelSession.ParseLevel("max"));
        Assert.That(ex!.Message, Does.Contain("'max'").And.Contain("all, extended, basic, disabled"));
        Assert.That(ex.ExitCode, Is.EqualTo(3));
    }

    [Test]
    public void Create_MissingFile_ThrowsInvalidInput()
    {
        Assert.That(() => ModelSession.Create(Path.Combine(_dir.Path, "none.onnx"), new SessionConfig()),
            Throws.InstanceOf<InvalidInputException>().With.Message.Contains("none.onnx"));
    }

    [Test]
    public void Create_WithProfilePrefix_WritesAnOrtProfile()
    {
        string model = SmallModel("m");
        string prefix = Path.Combine(_dir.Path, "profile");
        string file;
        using (var session = ModelSession.Create(model, new SessionConfig { ProfilePrefix = prefix }))
        {
            Evaluate(session);
            file = session.Session.EndProfiling();
        }

        Assert.That(File.ReadAllText(file), Does.Contain("\"op_name\" : \"Conv\"").Or.Contain("Conv"));
    }
}
