using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Nodes.Paths;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Nodes.Tests;

[Category("Unit")]
public sealed class SavePathsTests
{
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;

        public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
    }

    [Test]
    public void GetSaveImagePath_EmptyFolder_CounterOneAndFolderCreated()
    {
        using var root = new TempDir();
        string output = Path.Combine(root.Path, "output");
        var path = SavePaths.GetSaveImagePath("ComfyUI", output);
        Assert.That(path.Counter, Is.EqualTo(1));
        Assert.That(path.Filename, Is.EqualTo("ComfyUI"));
        Assert.That(path.Subfolder, Is.EqualTo(""));
        Assert.That(path.FullOutputFolder, Is.EqualTo(output));
        Assert.That(Directory.Exists(output), Is.True);
    }

    [Test]
    public void GetSaveImagePath_ExistingFiles_MaxMatchingCounterPlusOneAcrossExtensions()
    {
        using var root = new TempDir();
        foreach (string name in new[]
        {
            "ComfyUI_00001_.png", "ComfyUI_00007_.latent", "ComfyUI_00003_.png", "Other_00009_.png",
            "ComfyUI_x_.png", "ComfyUIx_00050_.png", "comfyui_00020_.png",
        })
        {
            File.WriteAllBytes(root.File(name), []);
        }

        Assert.That(SavePaths.GetSaveImagePath("ComfyUI", root.Path).Counter, Is.EqualTo(8));
        Assert.That(SavePaths.GetSaveImagePath("Other", root.Path).Counter, Is.EqualTo(10));
    }

    [Test]
    public void GetSaveImagePath_PrefixWithFolder_UsesSubfolderAndItsOwnCounter()
    {
        using var root = new TempDir();
        File.WriteAllBytes(root.File("ComfyUI_00004_.png"), []);
        var path = SavePaths.GetSaveImagePath("latents/ComfyUI", root.Path);
        Assert.That(path.Subfolder, Is.EqualTo("latents"));
        Assert.That(path.FullOutputFolder, Is.EqualTo(Path.Combine(root.Path, "latents")));
        Assert.That(path.Counter, Is.EqualTo(1));
    }

    [TestCase("a/../b/img", "b", "img")]
    [TestCase("./x//y/img", "x/y", "img")]
    [TestCase("deep/er/img", "deep/er", "img")]
    public void GetSaveImagePath_NormalisedInsidePrefix_Allowed(string prefix, string subfolder, string filename)
    {
        using var root = new TempDir();
        var path = SavePaths.GetSaveImagePath(prefix, root.Path);
        Assert.That((path.Subfolder, path.Filename), Is.EqualTo((subfolder, filename)));
    }

    [TestCase("../evil")]
    [TestCase("/tmp/evil")]
    [TestCase("a/../../evil")]
    [TestCase("latents/../../x/y")]
    [TestCase("/x")]
    public void GetSaveImagePath_PrefixEscapingOutput_RefusedWithComfyText(string prefix)
    {
        using var root = new TempDir();
        string output = Path.Combine(root.Path, "output");
        var ex = Assert.Throws<InvalidInputException>(() => SavePaths.GetSaveImagePath(prefix, output));
        Assert.That(ex!.Message, Does.StartWith("**** ERROR: Saving image outside the output folder is not allowed."));
        Assert.That(Directory.EnumerateFileSystemEntries(root.Path), Is.Empty, "nothing may be created");
    }

    [Test]
    public void GetSaveImagePath_SiblingFolderWithSamePrefix_Refused()
    {
        // "output2" shares the text prefix "output" but is outside it (commonpath is component-wise).
        using var root = new TempDir();
        Assert.Throws<InvalidInputException>(
            () => SavePaths.GetSaveImagePath("../output2/x", Path.Combine(root.Path, "output")));
    }

    [Test]
    public void GetSaveImagePath_Variables_SubstitutedWithSizeAndLocalTime()
    {
        using var root = new TempDir();
        var clock = new FixedClock(new DateTimeOffset(2024, 3, 7, 5, 4, 9, TimeSpan.Zero));
        var path = SavePaths.GetSaveImagePath("%year%-%month%-%day%/img_%width%x%height%_%hour%%minute%%second%",
            root.Path, 640, 480, clock);
        Assert.That(path.Subfolder, Is.EqualTo("2024-03-07"));
        Assert.That(path.Filename, Is.EqualTo("img_640x480_050409"));
    }

    [TestCase(1, "ComfyUI_00001_.png")]
    [TestCase(99999, "ComfyUI_99999_.png")]
    [TestCase(123456, "ComfyUI_123456_.png")]
    public void FileName_Counter_ZeroPaddedToFiveWithTrailingUnderscore(long counter, string expected)
    {
        Assert.That(SavePath.FileName("ComfyUI", counter, "png"), Is.EqualTo(expected));
    }
}
