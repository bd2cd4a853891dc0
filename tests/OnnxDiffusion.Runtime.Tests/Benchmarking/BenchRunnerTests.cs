using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Runtime.Benchmarking;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Runtime.Tests.Benchmarking;

[Category("Unit")]
public sealed class BenchRunnerTests
{
    [Test]
    public void ReferenceIndex_FirstAllFp32Manifest_IsChosen()
    {
        PackageManifest[] manifests =
        [
            Manifest("fp16", "fp16"), Manifest("fp32", "int8"), Manifest("fp32", "fp32"), Manifest("fp32", "fp32"),
        ];
        Assert.That(BenchRunner.ReferenceIndex(manifests), Is.EqualTo(2));
    }

    [Test]
    public void ReferenceIndex_NoFp32Manifest_FallsBackToFirst()
    {
        Assert.That(BenchRunner.ReferenceIndex([Manifest("fp16", "fp16"), Manifest("int8", "int8")]), Is.Zero);
    }

    [Test]
    public void UniqueNames_RepeatedFolderNames_GetNumberSuffixes()
    {
        IReadOnlyList<string> names = BenchRunner.UniqueNames(["/a/pkg", "/b/pkg/", "/c/other", "/d/pkg"]);
        Assert.That(names, Is.EqualTo(new[] { "pkg", "pkg#2", "other", "pkg#3" }));
    }

    [Test]
    public void Run_MissingPackages_ThrowsOneErrorNamingEachBeforeAnyWork()
    {
        using var temp = new TempDir();
        var request = new BenchRequest
        {
            Packages = [temp.File("missing-a"), temp.File("missing-b")], OutputDir = temp.File("report"),
        };
        var ex = Assert.Throws<InvalidInputException>(() => BenchRunner.Run(request, new InProcessVariantLauncher(), null));
        Assert.That(ex!.Message, Does.Contain("missing-a").And.Contain("missing-b"));
        Assert.That(Directory.Exists(temp.File("report")), Is.False);
    }

    [Test]
    public void Validate_BadSettings_ListsEveryProblem()
    {
        var settings = new BenchSettings { Prompts = [], Seeds = 0, Steps = 0, Repeats = 0, Sampler = "nope" };
        var ex = Assert.Throws<InvalidInputException>(settings.Validate);
        Assert.That(ex!.Message, Does.Contain("prompts").And.Contain("seeds 0").And.Contain("steps 0")
            .And.Contain("repeats 0").And.Contain("sampler 'nope'"));
    }

    [Test]
    public void Validate_SizeNotMultipleOf8_Throws()
    {
        Assert.Throws<InvalidInputException>(new BenchSettings { Width = 100 }.Validate);
    }

    private static PackageManifest Manifest(string textEncoder, string unet) => new()
    {
        Family = "sd15",
        Precision = new Dictionary<string, string>
        {
            ["text_encoder"] = textEncoder, ["unet"] = unet, ["vae_encoder"] = "fp32", ["vae_decoder"] = "fp32",
        },
    };
}
