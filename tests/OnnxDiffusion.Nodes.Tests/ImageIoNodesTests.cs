using System.Text.Json.Nodes;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Images;
using OnnxDiffusion.Nodes.Tests.TestNodes;
using OnnxDiffusion.Nodes.Workflows;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Nodes.Tests;

[Category("Integration")]
public sealed class ImageIoNodesTests
{
    private static readonly byte[] s_rgba =
    [
        0, 10, 20, 255, 255, 128, 64, 0, 1, 2, 3, 200,
        90, 91, 92, 17, 250, 251, 252, 255, 33, 66, 99, 128,
    ];

    private static NodeEnvironment Environment(TempDir root)
    {
        var env = NodeEnvironment.UnderRoot(root.Path);
        Directory.CreateDirectory(env.InputDir);
        File.WriteAllBytes(Path.Combine(env.InputDir, "a.png"), NaivePng.Write(3, 2, 4, s_rgba));
        File.WriteAllBytes(Path.Combine(env.InputDir, "rgb.png"), NaivePng.Write(1, 1, 3, [7, 8, 9]));
        return env;
    }

    [Test]
    public void SaveImage_LoadedRgba_WritesPngWithPromptAndWorkflowChunks()
    {
        using var root = new TempDir();
        var env = Environment(root);
        const string Prompt = "{\"1\": {\"class_type\": \"LoadImage\", \"inputs\": {\"image\": \"a.png\"}}, " +
            "\"2\": {\"class_type\": \"SaveImage\", \"inputs\": {\"images\": [\"1\", 0], \"filename_prefix\": " +
            "\"test/img\"}, \"_meta\": {\"title\": \"Save \\u00e9\"}}}";
        var workflow = Workflow.Parse(
            "{\"prompt\": " + Prompt + ", \"extra_data\": {\"extra_pnginfo\": {\"workflow\": {\"nodes\": [1, 2.0]}}}}");
        var result = new WorkflowExecutor(NodeRegistry.Default, env).Execute(workflow);

        Assert.That(result.FilesWritten.Select(f => (f.Filename, f.Subfolder, f.Type)),
            Is.EqualTo(new[] { ("img_00001_.png", "test", "output") }));
        var png = NaivePng.Read(File.ReadAllBytes(Path.Combine(env.OutputDir, "test", "img_00001_.png")));
        Assert.That(png.Texts, Is.EqualTo(new KeyValuePair<string, string>[]
        {
            new("prompt", Prompt), new("workflow", "{\"nodes\": [1, 2.0]}"),
        }));
        Assert.That(png.ChunkOrder.ToList().IndexOf("tEXt"), Is.LessThan(png.ChunkOrder.ToList().IndexOf("IDAT")));
        Assert.That((png.Width, png.Height, png.Channels), Is.EqualTo((3, 2, 3)));
        byte[] expectedRgb = Enumerable.Range(0, 6).SelectMany(p => s_rgba.Skip(p * 4).Take(3)).ToArray();
        Assert.That(png.Pixels, Is.EqualTo(expectedRgb));
        Assert.That(result.ToUiJson().ToJsonString(),
            Is.EqualTo("{\"2\":{\"images\":[{\"filename\":\"img_00001_.png\",\"subfolder\":\"test\"," +
                "\"type\":\"output\"}]}}"));
    }

    [Test]
    public void SaveImage_DisableMetadata_WritesNoTextChunks()
    {
        using var root = new TempDir();
        var env = Environment(root) with { DisableMetadata = true };
        var workflow = W.Prompt(
            W.Node("1", "LoadImage", ("image", "rgb.png")),
            W.Node("2", "SaveImage", ("images", W.Link("1")), ("filename_prefix", "x")));
        new WorkflowExecutor(NodeRegistry.Default, env).Execute(workflow);
        var png = NaivePng.Read(File.ReadAllBytes(Path.Combine(env.OutputDir, "x_00001_.png")));
        Assert.That(png.Texts, Is.Empty);
    }

    [Test]
    public void SaveImage_BatchAndExistingFiles_CountsUpAndReplacesBatchNum()
    {
        using var root = new TempDir();
        var env = Environment(root);
        Directory.CreateDirectory(env.OutputDir);
        File.WriteAllBytes(Path.Combine(env.OutputDir, "b_00041_.png"), []);
        var images = new FloatTensor([2, 1, 1, 3], [0f, 0.5f, 1f, 1f, 0.5f, 0f]);
        var options = new ImageSaveOptions(env.OutputDir, "output", 4, null, null, false);
        var files = ImageSaver.Save(images, "b%batch_num%", options);
        Assert.That(files.Select(f => f.Filename), Is.EqualTo(new[] { "b0_00001_.png", "b1_00002_.png" }));
        var second = ImageSaver.Save(images, "b", options);
        Assert.That(second.Select(f => f.Filename), Is.EqualTo(new[] { "b_00042_.png", "b_00043_.png" }));
        Assert.That(NaivePng.Read(File.ReadAllBytes(second[1].FullPath)).Pixels,
            Is.EqualTo(new byte[] { 255, 127, 0 }));
    }

    [Test]
    public void SaveImage_EscapingPrefix_FailsAtExecutionWithComfyText()
    {
        using var root = new TempDir();
        var env = Environment(root);
        var workflow = W.Prompt(
            W.Node("1", "LoadImage", ("image", "rgb.png")),
            W.Node("2", "SaveImage", ("images", W.Link("1")), ("filename_prefix", "../escape")));
        var executor = new WorkflowExecutor(NodeRegistry.Default, env);
        var ex = Assert.Throws<NodeExecutionException>(() => executor.Execute(workflow));
        Assert.That(ex!.Message, Does.Contain("Saving image outside the output folder is not allowed."));
        Assert.That(File.Exists(Path.Combine(root.Path, "escape_00001_.png")), Is.False);
    }

    [Test]
    public void PreviewImage_WritesToTempWithRandomSuffixedPrefix()
    {
        using var root = new TempDir();
        var env = Environment(root);
        var result = new WorkflowExecutor(NodeRegistry.Default, env).Execute(W.Prompt(
            W.Node("1", "LoadImage", ("image", "rgb.png")),
            W.Node("2", "PreviewImage", ("images", W.Link("1")))));
        var file = result.FilesWritten.Single();
        Assert.That(file.Filename, Does.Match("^ComfyUI_temp_[a-z]{5}_00001_\\.png$"));
        Assert.That(file.Type, Is.EqualTo("temp"));
        Assert.That(Path.GetDirectoryName(file.FullPath), Is.EqualTo(env.TempDir));
    }

    [Test]
    public void LoadImage_Rgba_ImageIsRgbOver255AndMaskIsInverseAlpha()
    {
        using var root = new TempDir();
        var env = Environment(root);
        var log = new CallLog();
        new WorkflowExecutor(NodeRegistry.Default.With(TestNodePack.Nodes(log)), env).Execute(W.Prompt(
            W.Node("1", "LoadImage", ("image", "a.png")),
            W.Node("2", "TestOutput", ("value", W.Link("1", 0))),
            W.Node("3", "TestOutput", ("value", W.Link("1", 1)))));
        var image = (FloatTensor)log.Seen["2"]!;
        var mask = (FloatTensor)log.Seen["3"]!;
        Assert.That(image.Shape, Is.EqualTo(new[] { 1, 2, 3, 3 }));
        Assert.That(mask.Shape, Is.EqualTo(new[] { 1, 2, 3 }));
        for (int p = 0; p < 6; p++)
        {
            for (int k = 0; k < 3; k++)
            {
                Assert.That(image.Data[p * 3 + k], Is.EqualTo(s_rgba[p * 4 + k] / 255f));
            }

            Assert.That(mask.Data[p], Is.EqualTo(1f - s_rgba[p * 4 + 3] / 255f));
        }
    }

    [Test]
    public void LoadImage_Opaque_MaskIsZero64x64()
    {
        using var root = new TempDir();
        var (image, mask) = ImageLoader.LoadImage(Path.Combine(Environment(root).InputDir, "rgb.png"));
        Assert.That(image.Data, Is.EqualTo(new[] { 7f / 255f, 8f / 255f, 9f / 255f }));
        Assert.That(mask.Shape, Is.EqualTo(new[] { 1, 64, 64 }));
        Assert.That(mask.Data, Has.All.EqualTo(0f));
    }

    [TestCase("alpha", 3, true)]
    [TestCase("red", 0, false)]
    [TestCase("blue", 2, false)]
    public void LoadImageMask_Channel_PicksChannelAndInvertsAlpha(string channel, int index, bool inverted)
    {
        using var root = new TempDir();
        var mask = ImageLoader.LoadMask(Path.Combine(Environment(root).InputDir, "a.png"), channel);
        Assert.That(mask.Shape, Is.EqualTo(new[] { 1, 2, 3 }));
        for (int p = 0; p < 6; p++)
        {
            float v = s_rgba[p * 4 + index] / 255f;
            Assert.That(mask.Data[p], Is.EqualTo(inverted ? 1f - v : v));
        }
    }

    [Test]
    public void LoadImage_MissingFile_CustomValidationFailed()
    {
        using var root = new TempDir();
        var env = Environment(root);
        var report = new WorkflowExecutor(NodeRegistry.Default, env).Validate(W.Prompt(
            W.Node("1", "LoadImage", ("image", "nope.png")),
            W.Node("2", "PreviewImage", ("images", W.Link("1")))));
        var error = report.NodeErrors.Single().Errors.Single();
        Assert.That(error.Type, Is.EqualTo("custom_validation_failed"));
        Assert.That(error.Details, Is.EqualTo("image - Invalid image file: nope.png"));
    }

    [Test]
    public void LoadImage_AnnotatedOutputName_ReadsFromOutputFolder()
    {
        using var root = new TempDir();
        var env = Environment(root);
        Directory.CreateDirectory(Path.Combine(env.OutputDir, "sub"));
        File.Copy(Path.Combine(env.InputDir, "rgb.png"), Path.Combine(env.OutputDir, "sub", "o.png"));
        var result = new WorkflowExecutor(NodeRegistry.Default, env).Execute(W.Prompt(
            W.Node("1", "LoadImage", ("image", "sub/o.png [output]")),
            W.Node("2", "SaveImage", ("images", W.Link("1")), ("filename_prefix", "copy"))));
        Assert.That(NaivePng.Read(File.ReadAllBytes(result.FilesWritten[0].FullPath)).Pixels,
            Is.EqualTo(new byte[] { 7, 8, 9 }));
    }

    [Test]
    public void LoadImage_FileChangedOnDisk_ReRunsDespiteSameInputs()
    {
        using var root = new TempDir();
        var env = Environment(root);
        var log = new CallLog();
        var executor = new WorkflowExecutor(NodeRegistry.Default.With(TestNodePack.Nodes(log)), env);
        var workflow = W.Prompt(
            W.Node("1", "LoadImage", ("image", "rgb.png")), W.Node("2", "TestOutput", ("value", W.Link("1"))));
        executor.Execute(workflow);
        Assert.That(executor.Execute(workflow).Executed, Is.Empty);
        File.WriteAllBytes(Path.Combine(env.InputDir, "rgb.png"), NaivePng.Write(1, 1, 3, [1, 1, 1]));
        Assert.That(executor.Execute(workflow).Executed, Is.EqualTo(new[] { "1", "2" }));
        Assert.That(((FloatTensor)log.Seen["2"]!).Data[0], Is.EqualTo(1f / 255f));
    }

    [Test]
    public void TextChunks_PromptAndExtraKeys_InComfyOrder()
    {
        var prompt = JsonNode.Parse("{\"9\": {\"class_type\": \"X\", \"inputs\": {\"v\": 1.0}}}")!.AsObject();
        var extra = JsonNode.Parse("{\"workflow\": {\"a\": 1}, \"other\": \"s\"}")!.AsObject();
        var texts = ImageSaver.TextChunks(new ImageSaveOptions("/o", "output", 4, prompt, extra, false));
        Assert.That(texts, Is.EqualTo(new KeyValuePair<string, string>[]
        {
            new("prompt", "{\"9\": {\"class_type\": \"X\", \"inputs\": {\"v\": 1.0}}}"),
            new("workflow", "{\"a\": 1}"),
            new("other", "\"s\""),
        }));
    }
}
