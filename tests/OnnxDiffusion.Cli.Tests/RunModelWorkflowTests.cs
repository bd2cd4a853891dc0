using OnnxDiffusion.Core.Latents;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Synthetic;
using OnnxDiffusion.Nodes;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Cli.Tests;

/// <summary>
/// End-to-end with a model: the same txt2img workflow on a tiny synthetic checkpoint through the library
/// (<see cref="WorkflowExecutor"/>) and through <c>onnxdiff run</c> gives identical pixels and latents.
/// </summary>
[Category("Integration")]
public sealed class RunModelWorkflowTests
{
    private const string Workflow = """
        {"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny.safetensors"}},
         "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a lighthouse at dusk", "clip": ["4", 1]}},
         "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}},
         "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 2}},
         "3": {"class_type": "KSampler", "inputs": {"seed": 123456789, "steps": 3, "cfg": 6.5,
               "sampler_name": "euler_ancestral", "scheduler": "karras", "denoise": 1.0, "model": ["4", 0],
               "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
         "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
         "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "cli/fox", "images": ["8", 0]}},
         "10": {"class_type": "SaveLatent", "inputs": {"filename_prefix": "cli/fox", "samples": ["3", 0]}}}
        """;

    [Test]
    public void Run_Txt2ImgWorkflow_CliAndLibraryWriteIdenticalPixels()
    {
        string vocab = SharedData.PathOrIgnore("clip-tokenizer/vocab.json");
        using var root = new TempDir();
        string models = Path.Combine(root.Path, "models");
        Directory.CreateDirectory(Path.Combine(models, "checkpoints"));
        SyntheticCheckpoint.Write(Path.Combine(models, "checkpoints", "tiny.safetensors"),
            new SyntheticOptions { Config = Sd15Config.Tiny, Seed = 11 });
        string workflow = Path.Combine(root.Path, "workflow.json");
        File.WriteAllText(workflow, Workflow);

        NodeEnvironment libEnv = NodeEnvironment.Create(Path.Combine(root.Path, "lib-out"),
            Path.Combine(root.Path, "input"), Path.Combine(root.Path, "temp"), models) with
        {
            TokenizerDir = Path.GetDirectoryName(vocab),
        };
        ExecutionResult lib = new WorkflowExecutor(NodeRegistry.Default, libEnv)
            .Execute(Nodes.Workflows.Workflow.Load(workflow));

        string cliOut = Path.Combine(root.Path, "cli-out");
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliCommon.Invoke(Program.BuildRoot(),
        [
            "run", workflow, "--models-dir", models, "--output-dir", cliOut, "--input-dir", libEnv.InputDir,
            "--temp-dir", libEnv.TempDir, "--tokenizer", Path.GetDirectoryName(vocab)!,
        ], output, error);
        Assert.That(code, Is.EqualTo(0), error.ToString() + output);

        string[] files = [.. lib.FilesWritten.Select(f => Path.GetRelativePath(libEnv.OutputDir, f.FullPath))];
        Assert.That(files, Is.EquivalentTo(new[]
        {
            Path.Combine("cli", "fox_00001_.png"), Path.Combine("cli", "fox_00002_.png"),
            Path.Combine("cli", "fox_00003_.latent"),
        }));
        foreach (string file in files)
        {
            string a = Path.Combine(libEnv.OutputDir, file), b = Path.Combine(cliOut, file);
            Assert.That(output.ToString(), Does.Contain("wrote " + b));
            if (file.EndsWith(".png", StringComparison.Ordinal))
            {
                NaivePng.Image libPng = NaivePng.Read(File.ReadAllBytes(a));
                NaivePng.Image cliPng = NaivePng.Read(File.ReadAllBytes(b));
                Assert.That((cliPng.Width, cliPng.Height, cliPng.Channels), Is.EqualTo((64, 64, 3)));
                Assert.That(cliPng.Pixels, Is.EqualTo(libPng.Pixels), file);
                Assert.That(cliPng.Texts, Is.EqualTo(libPng.Texts), file);
            }
            else
            {
                Assert.That(ComfyLatentFile.Read(b).Samples.Data, Is.EqualTo(ComfyLatentFile.Read(a).Samples.Data));
            }
        }

        // The two images of the batch differ (the batch's noise is not shared), so the comparison is not vacuous.
        var images = (FloatTensor)lib.Results["8"].Outputs[0]!;
        int half = images.Length / 2;
        Assert.That(images.Data.AsSpan(0, half).SequenceEqual(images.Data.AsSpan(half)), Is.False);
        Assert.That(Directory.GetDirectories(Path.Combine(models, "onnx")), Has.Length.EqualTo(1),
            "the CLI reuses the package the library converted");
    }
}
