using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OnnxDiffusion.Converters.Export;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Workflows;
namespace OnnxDiffusion.Nodes.Tests;

[TestFixture]
[Category("Integration")]
public sealed class CheckpointSaveTests
{
    private const string Ckpt = TinyModelsFolder.Checkpoint;
    private TinyModelsFolder? _root;
    private NodeEnvironment _env = null!;

    [OneTimeSetUp]
    public void SetUp()
    {
        _root = new TinyModelsFolder();
        _env = _root.Environment;
    }

    [OneTimeTearDown]
    public void TearDown() => _root?.Dispose();

    private static (string, JsonObject)[] Txt2Img(string ckpt) =>
    [
        W.Node("4", "CheckpointLoaderSimple", ("ckpt_name", ckpt)),
        W.Node("6", "CLIPTextEncode", ("text", "a red fox"), ("clip", W.Link("4", 1))),
        W.Node("7", "CLIPTextEncode", ("text", "blurry"), ("clip", W.Link("4", 1))),
        W.Node("5", "EmptyLatentImage", ("width", 64), ("height", 64), ("batch_size", 1)),
        W.Node("3", "KSampler", ("seed", 5), ("steps", 2), ("cfg", 7.0), ("sampler_name", "euler"),
            ("scheduler", "normal"), ("denoise", 1.0), ("model", W.Link("4")), ("positive", W.Link("6")),
            ("negative", W.Link("7")), ("latent_image", W.Link("5"))),
        W.Node("8", "VAEDecode", ("samples", W.Link("3")), ("vae", W.Link("4", 2))),
        W.Node("9", "SaveImage", ("filename_prefix", "img"), ("images", W.Link("8"))),
    ];

    /// <summary>A safetensors file parsed by hand: name → (dtype, shape, payload bytes), and the metadata.</summary>
    private static (Dictionary<string, (string DType, long[] Shape, byte[] Data)> Tensors,
        Dictionary<string, string> Meta) Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength));
        var tensors = new Dictionary<string, (string, long[], byte[])>();
        var meta = new Dictionary<string, string>();
        foreach (JsonProperty p in doc.RootElement.EnumerateObject())
        {
            if (p.Name == "__metadata__")
            {
                foreach (JsonProperty m in p.Value.EnumerateObject())
                {
                    meta[m.Name] = m.Value.GetString()!;
                }

                continue;
            }

            long[] offsets = [.. p.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64())];
            tensors[p.Name] = (p.Value.GetProperty("dtype").GetString()!,
                [.. p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64())],
                bytes[(8 + headerLength + (int)offsets[0])..(8 + headerLength + (int)offsets[1])]);
        }

        return (tensors, meta);
    }

    [Test]
    public void CheckpointSave_ReloadedCheckpoint_SameTensorsAndSamePixels()
    {
        var env = _env with { OutputDir = Path.Combine(_root!.Root, "out-save") };
        var executor = new WorkflowExecutor(NodeRegistry.Default, env);
        var prompt = W.Prompt([.. Txt2Img(Ckpt), W.Node("20", "CheckpointSave", ("model", W.Link("4")),
            ("clip", W.Link("4", 1)), ("vae", W.Link("4", 2)), ("filename_prefix", "checkpoints/ComfyUI"))]);
        var workflow = Workflow.FromPrompt(prompt.Prompt, new JsonObject { ["workflow"] = new JsonObject() });
        ExecutionResult first = executor.Execute(workflow);

        SavedFile saved = first.FilesWritten.Single(f => f.Filename.EndsWith(".safetensors", StringComparison.Ordinal));
        Assert.That((saved.Filename, saved.Subfolder), Is.EqualTo(("ComfyUI_00001_.safetensors", "checkpoints")));
        Assert.That(first.Results["20"].ToUiJson(), Is.Empty, "ComfyUI's CheckpointSave shows nothing");

        var source = Read(Path.Combine(_env.ModelsDir, "checkpoints", Ckpt));
        var copy = Read(saved.FullPath);
        Assert.That(copy.Tensors.Keys.Order(), Is.EqualTo(source.Tensors.Keys.Order()));
        foreach ((string name, var t) in source.Tensors)
        {
            Assert.That(copy.Tensors[name].DType, Is.EqualTo(t.DType), name);
            Assert.That(copy.Tensors[name].Shape, Is.EqualTo(t.Shape), name);
            Assert.That(copy.Tensors[name].Data.AsSpan().SequenceEqual(t.Data), Is.True, name);
        }

        Assert.That(copy.Meta.Keys, Is.EqualTo(new[] { "modelspec.predict_key", "prompt", "workflow" }));
        Assert.That(copy.Meta["modelspec.predict_key"], Is.EqualTo("epsilon"));
        Assert.That(JsonNode.Parse(copy.Meta["prompt"])!["20"]!["class_type"]!.GetValue<string>(),
            Is.EqualTo("CheckpointSave"));
        Assert.That(copy.Meta["workflow"], Is.EqualTo("{}"));

        File.Copy(saved.FullPath, Path.Combine(_env.ModelsDir, "checkpoints", "resaved.safetensors"));
        ExecutionResult second = executor.Execute(W.Prompt(Txt2Img("resaved.safetensors")));
        Assert.That(((FloatTensor)second.Results["8"].Outputs[0]!).Data,
            Is.EqualTo(((FloatTensor)first.Results["8"].Outputs[0]!).Data));
        Assert.That(second.FilesWritten.Single().Filename, Is.EqualTo("img_00002_.png"));
    }

    [Test]
    public void Export_QuantizedPackage_FailsNamingThePrecision()
    {
        var executor = new WorkflowExecutor(NodeRegistry.Default, _env with
        {
            OutputDir = Path.Combine(_root!.Root, "out-quant"),
        });
        executor.Execute(W.Prompt(Txt2Img(Ckpt)));
        string package = Directory.GetDirectories(Path.Combine(_env.ModelsDir, "onnx"))
            .First(d => Path.GetFileName(d).StartsWith("tiny-", StringComparison.Ordinal));
        string quantized = Path.Combine(_root.Root, "int8-package");
        CopyDirectory(package, quantized);
        string manifest = Path.Combine(quantized, "onnxdiffusion.json");
        JsonNode json = JsonNode.Parse(File.ReadAllText(manifest))!;
        json["precision"]!["unet"] = "int8";
        File.WriteAllText(manifest, json.ToJsonString());

        string output = Path.Combine(_root.Root, "never.safetensors");
        var ex = Assert.Throws<UnsupportedModelException>(() =>
            CheckpointExporter.Export(new CheckpointExportSources(quantized, package, package), output));
        Assert.That(ex!.Message, Does.Contain("unet has precision int8").And.Contain("fp32 or fp16"));
        Assert.That(File.Exists(output), Is.False);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
