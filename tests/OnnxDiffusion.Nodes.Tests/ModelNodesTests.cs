using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Models;
using OnnxDiffusion.Nodes.Values;
using OnnxDiffusion.Nodes.Workflows;
using OnnxDiffusion.Runtime.Onnx;
using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Nodes.Tests;

[TestFixture]
[Category("Integration")]
public sealed class ModelNodesTests
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


    private static Workflow Txt2Img(int steps = 2) => W.Prompt(
        W.Node("4", "CheckpointLoaderSimple", ("ckpt_name", Ckpt)),
        W.Node("6", "CLIPTextEncode", ("text", "a red fox"), ("clip", W.Link("4", 1))),
        W.Node("7", "CLIPTextEncode", ("text", "blurry"), ("clip", W.Link("4", 1))),
        W.Node("5", "EmptyLatentImage", ("width", 64), ("height", 64), ("batch_size", 1)),
        W.Node("3", "KSampler", ("seed", 42), ("steps", steps), ("cfg", 7.5), ("sampler_name", "euler"),
            ("scheduler", "normal"), ("denoise", 1.0), ("model", W.Link("4")), ("positive", W.Link("6")),
            ("negative", W.Link("7")), ("latent_image", W.Link("5"))),
        W.Node("8", "VAEDecode", ("samples", W.Link("3")), ("vae", W.Link("4", 2))),
        W.Node("9", "SaveImage", ("filename_prefix", "t2i"), ("images", W.Link("8"))));

    private NodeEnvironment TestEnv() => _env with
    {
        OutputDir = Path.Combine(_root!.Root, "output-" + TestContext.CurrentContext.Test.MethodName),
    };

    private GenerationResult Direct(GenerationRequest request)
    {
        string package = Directory.GetDirectories(Path.Combine(_env.ModelsDir, "onnx")).Single();
        using var opened = DiffusionPackage.Open(package, new SessionConfig());
        return new StableDiffusionPipeline(opened).Generate(request);
    }

    [Test]
    public void Txt2Img_DefaultWorkflow_WritesPngAndEqualsPipeline()
    {
        var executor = new WorkflowExecutor(NodeRegistry.Default, TestEnv());
        ExecutionResult result = executor.Execute(Txt2Img());

        Assert.That(result.FilesWritten.Select(f => f.Filename), Is.EqualTo(new[] { "t2i_00001_.png" }));
        Assert.That(File.Exists(result.FilesWritten[0].FullPath), Is.True);
        var image = (FloatTensor)result.Results["8"].Outputs[0]!;
        Assert.That(image.Shape, Is.EqualTo(new[] { 1, 64, 64, 3 }));

        GenerationResult direct = Direct(new GenerationRequest
        {
            Prompt = "a red fox", NegativePrompt = "blurry", Steps = 2, Cfg = 7.5, Seed = 42, Width = 64, Height = 64,
        });
        Assert.That(image.Data, Is.EqualTo(direct.Images.Data));
        Assert.That(executor.Services.GetService(typeof(ModelStore)), Is.Not.Null);
    }

    [Test]
    public void Img2Img_LoadImageVaeEncodeDenoise087_EqualsPipeline()
    {
        var executor = new WorkflowExecutor(NodeRegistry.Default, TestEnv());
        ExecutionResult first = executor.Execute(Txt2Img());
        Directory.CreateDirectory(_env.InputDir);
        File.Copy(first.FilesWritten[0].FullPath, Path.Combine(_env.InputDir, "init.png"), overwrite: true);
        Workflow img2img = W.Prompt(
            W.Node("4", "CheckpointLoaderSimple", ("ckpt_name", Ckpt)),
            W.Node("6", "CLIPTextEncode", ("text", "a red fox"), ("clip", W.Link("4", 1))),
            W.Node("7", "CLIPTextEncode", ("text", "blurry"), ("clip", W.Link("4", 1))),
            W.Node("10", "LoadImage", ("image", "init.png")),
            W.Node("11", "VAEEncode", ("pixels", W.Link("10")), ("vae", W.Link("4", 2))),
            W.Node("3", "KSampler", ("seed", 7), ("steps", 3), ("cfg", 7.5), ("sampler_name", "euler"),
                ("scheduler", "normal"), ("denoise", 0.87), ("model", W.Link("4")), ("positive", W.Link("6")),
                ("negative", W.Link("7")), ("latent_image", W.Link("11"))),
            W.Node("8", "VAEDecode", ("samples", W.Link("3")), ("vae", W.Link("4", 2))),
            W.Node("9", "SaveImage", ("filename_prefix", "i2i"), ("images", W.Link("8"))));
        ExecutionResult result = executor.Execute(img2img);

        Assert.That(result.FilesWritten.Select(f => f.Filename), Is.EqualTo(new[] { "i2i_00001_.png" }));
        var init = (FloatTensor)result.Results["10"].Outputs[0]!;
        GenerationResult direct = Direct(new GenerationRequest
        {
            Prompt = "a red fox", NegativePrompt = "blurry", Steps = 3, Cfg = 7.5, Seed = 7, Width = 64, Height = 64,
            InitImage = init, Denoise = 0.87,
        });
        Assert.That(((FloatTensor)result.Results["8"].Outputs[0]!).Data, Is.EqualTo(direct.Images.Data));
    }

    [Test]
    public void Inpaint_VaeEncodeForInpaint_WritesImageWithNoiseMask()
    {
        var executor = new WorkflowExecutor(NodeRegistry.Default, TestEnv());
        ExecutionResult first = executor.Execute(Txt2Img());
        Directory.CreateDirectory(_env.InputDir);
        File.Copy(first.FilesWritten[0].FullPath, Path.Combine(_env.InputDir, "inpaint.png"), overwrite: true);
        Workflow inpaint = W.Prompt(
            W.Node("4", "CheckpointLoaderSimple", ("ckpt_name", Ckpt)),
            W.Node("6", "CLIPTextEncode", ("text", "a red fox"), ("clip", W.Link("4", 1))),
            W.Node("7", "CLIPTextEncode", ("text", "blurry"), ("clip", W.Link("4", 1))),
            W.Node("10", "LoadImage", ("image", "inpaint.png")),
            W.Node("11", "VAEEncodeForInpaint", ("pixels", W.Link("10")), ("vae", W.Link("4", 2)),
                ("mask", W.Link("10", 1)), ("grow_mask_by", 6)),
            W.Node("3", "KSampler", ("seed", 1), ("steps", 2), ("cfg", 7.5), ("sampler_name", "euler"),
                ("scheduler", "normal"), ("denoise", 1.0), ("model", W.Link("4")), ("positive", W.Link("6")),
                ("negative", W.Link("7")), ("latent_image", W.Link("11"))),
            W.Node("8", "VAEDecode", ("samples", W.Link("3")), ("vae", W.Link("4", 2))),
            W.Node("9", "SaveImage", ("filename_prefix", "inp"), ("images", W.Link("8"))));
        ExecutionResult result = executor.Execute(inpaint);

        Assert.That(result.FilesWritten.Select(f => f.Filename), Is.EqualTo(new[] { "inp_00001_.png" }));
        var latent = (Latent)result.Results["11"].Outputs[0]!;
        Assert.That(latent.NoiseMask!.Shape, Is.EqualTo(new[] { 1, 1, 64, 64 }));
        // An opaque PNG has an all-zero mask: the noise mask keeps everything, so sampling returns the source.
        Assert.That(latent.NoiseMask.Data.All(v => v == 0f), Is.True);
    }

    [Test]
    public void GrowMask_SinglePixelK3_BecomesThreeByThreeBox()
    {
        var mask = new float[7 * 7];
        mask[3 * 7 + 3] = 1f;
        FloatTensor grown = ModelOps.Grow(mask, 1, 7, 7, 3);
        for (int y = 0; y < 7; y++)
        {
            for (int x = 0; x < 7; x++)
            {
                bool inside = Math.Abs(y - 3) <= 1 && Math.Abs(x - 3) <= 1;
                Assert.That(grown.Data[y * 7 + x], Is.EqualTo(inside ? 1f : 0f), $"({x},{y})");
            }
        }
    }

    [Test]
    public void Validate_MissingTokenizer_ErrorNamesTheFolder()
    {
        using var root = new TempDir();
        var env = NodeEnvironment.UnderRoot(root.Path);
        Directory.CreateDirectory(Path.Combine(env.ModelsDir, "checkpoints"));
        File.Copy(Path.Combine(_env.ModelsDir, "checkpoints", Ckpt), Path.Combine(env.ModelsDir, "checkpoints", Ckpt));
        ValidationReport report = new WorkflowExecutor(NodeRegistry.Default, env).Validate(Txt2Img());

        string json = report.ToJson().ToJsonString();
        Assert.That(json, Does.Contain(Path.Combine(env.ModelsDir, "tokenizers", "clip")));
        Assert.That(json, Does.Contain("vocab.json"));
    }
}
