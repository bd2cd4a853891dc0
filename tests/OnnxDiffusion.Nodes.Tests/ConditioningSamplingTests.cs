using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Training;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Models;
using OnnxDiffusion.Nodes.Values;
using OnnxDiffusion.Runtime.Rng;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Nodes.Tests;

/// <summary>
/// KSampler with full CONDITIONING lists and with an AnimaFastTrainPatchModel MODEL, end to end on a tiny
/// synthetic SD1.5 checkpoint (128×64 images, latent 16×8).
/// </summary>
[TestFixture]
[Category("Integration")]
public sealed class ConditioningSamplingTests
{
    private const string Ckpt = TinyModelsFolder.Checkpoint;
    private const string TokensFile = "tokens.safetensors";
    private const int TokenCount = 3;
    private TinyModelsFolder? _root;
    private NodeEnvironment _env = null!;
    private ContextTokens _tokens = null!;

    [OneTimeSetUp]
    public void SetUp()
    {
        _root = new TinyModelsFolder();
        _env = _root.Environment;
        int dim = Sd15Config.Tiny.UNet.ContextDim;
        var values = new float[TokenCount * dim];
        new TorchCpuRandom(5).FillNormal(values);
        _tokens = new ContextTokens(values, TokenCount, dim);
        Directory.CreateDirectory(_env.InputDir);
        _tokens.Save(Path.Combine(_env.InputDir, TokensFile));
    }

    [OneTimeTearDown]
    public void TearDown() => _root?.Dispose();

    private ExecutionResult Execute(params (string Id, System.Text.Json.Nodes.JsonObject Body)[] extra)
    {
        (string, System.Text.Json.Nodes.JsonObject)[] common =
        [
            W.Node("4", "CheckpointLoaderSimple", ("ckpt_name", Ckpt)),
            W.Node("6", "CLIPTextEncode", ("text", "a red fox"), ("clip", W.Link("4", 1))),
            W.Node("7", "CLIPTextEncode", ("text", "blurry"), ("clip", W.Link("4", 1))),
            W.Node("5", "EmptyLatentImage", ("width", 128), ("height", 64), ("batch_size", 1)),
            W.Node("8", "VAEDecode", ("samples", W.Link("3")), ("vae", W.Link("4", 2))),
            W.Node("9", "PreviewImage", ("images", W.Link("8"))),
        ];
        var executor = new WorkflowExecutor(NodeRegistry.Default, _env with
        {
            OutputDir = Path.Combine(_root!.Root, "out"), TempDir = Path.Combine(_root.Root, "temp"),
        });
        return executor.Execute(W.Prompt([.. common, .. extra]));
    }

    private static (string, System.Text.Json.Nodes.JsonObject) KSampler(string model, string positive) =>
        W.Node("3", "KSampler", ("seed", 42), ("steps", 2), ("cfg", 7.5), ("sampler_name", "euler"),
            ("scheduler", "normal"), ("denoise", 1.0), ("model", W.Link(model)), ("positive", W.Link(positive)),
            ("negative", W.Link("7")), ("latent_image", W.Link("5")));

    private static float[] Samples(ExecutionResult result) => ((Latent)result.Results["3"].Outputs[0]!).Samples.Data;

    private static float MaxAbsDiff(float[] a, float[] b) => a.Zip(b).Max(p => Math.Abs(p.First - p.Second));

    [TestCase(64, 64, 64, 0)]
    [TestCase(72, 72, 40, 0)] // 9×9 latent cells: the exported UNet runs on a wider window
    public void KSampler_CombineWithAreaEntry_RunsAndDiffersFromSingleEntry(int width, int height, int x, int y)
    {
        float[] single = Samples(Execute(KSampler("4", "6")));
        ExecutionResult combined = Execute(
            W.Node("10", "CLIPTextEncode", ("text", "a blue sky"), ("clip", W.Link("4", 1))),
            W.Node("11", "ConditioningSetArea", ("conditioning", W.Link("10")), ("width", width), ("height", height),
                ("x", x), ("y", y), ("strength", 1.0)),
            W.Node("12", "ConditioningCombine", ("conditioning_1", W.Link("6")), ("conditioning_2", W.Link("11"))),
            KSampler("4", "12"));
        float[] multi = Samples(combined);

        Assert.That(multi, Has.Length.EqualTo(single.Length));
        Assert.That(multi.All(float.IsFinite), Is.True);
        Assert.That(MaxAbsDiff(multi, single), Is.GreaterThan(1e-3f));
        var image = (FloatTensor)combined.Results["8"].Outputs[0]!;
        Assert.That(image.Shape, Is.EqualTo(new[] { 1, 64, 128, 3 }));
    }

    private ExecutionResult Patched(double scale) => Execute(
        W.Node("20", "AnimaFastTrainLoadReferenceContext", ("context_file", TokensFile)),
        W.Node("21", "AnimaFastTrainPatchModel", ("model", W.Link("4")), ("context", W.Link("20")),
            ("reference_context_scale", scale)),
        KSampler("21", "6"));

    [Test]
    public void PatchModel_EqualsInnerModelWithHandExtendedPositive()
    {
        const double Scale = 0.8;
        ExecutionResult patched = Patched(Scale);
        var model = (PackageModel)patched.Results["4"].Outputs[0]!;
        var positive = (Conditioning)patched.Results["6"].Outputs[0]!;
        var negative = (Conditioning)patched.Results["7"].Outputs[0]!;

        // Positive embedding [1, 77, D] extended by hand with Scale · tokens → [1, 77 + N, D].
        FloatTensor text = positive.Entries[0].Embedding;
        int tokens = text.Shape[1], dim = text.Shape[2];
        var extended = new float[(tokens + TokenCount) * dim];
        Array.Copy(text.Data, extended, tokens * dim);
        for (int i = 0; i < TokenCount * dim; i++)
        {
            extended[(tokens * dim) + i] = (float)Scale * _tokens.Tokens[i]; // float32 product, as torch
        }

        var byHand = new Conditioning([positive.Entries[0] with
        {
            Embedding = new FloatTensor([1, tokens + TokenCount, dim], extended),
        }]);
        var options = new KSamplerOptions
        {
            Seed = 42, Steps = 2, Cfg = 7.5, SamplerName = "euler", SchedulerName = "normal",
            InitialNoise = RngKind.TorchCpu, StepNoise = RngKind.TorchCpu,
        };
        Latent reference = ModelOps.Sample(model, [], byHand, negative, new Latent(new FloatTensor(1, 4, 8, 16)),
            options, null, CancellationToken.None);

        Assert.That(Samples(patched), Is.EqualTo(reference.Samples.Data));
        float[] unpatched = Samples(Execute(KSampler("4", "6")));
        Assert.That(MaxAbsDiff(Samples(patched), unpatched), Is.GreaterThan(1e-3f));
    }

    [Test]
    public void PatchModel_DifferentScales_GiveDifferentLatents()
    {
        float[] half = Samples(Patched(0.5));
        float[] twice = Samples(Patched(2.0));
        Assert.That(half.All(float.IsFinite) && twice.All(float.IsFinite), Is.True);
        Assert.That(MaxAbsDiff(half, twice), Is.GreaterThan(1e-3f));
    }
}
