using System.Text.Json.Nodes;
using OnnxDiffusion.Core.Latents;
using OnnxDiffusion.Nodes;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Cli.Tests;

/// <summary>End-to-end: the same model-free workflow through the library and through <c>onnxdiff run</c>.</summary>
[Category("Integration")]
public sealed class RunCommandTests
{
    private const string Workflow = """
        {"10": {"class_type": "LoadImage", "inputs": {"image": "in.png"}},
         "11": {"class_type": "ImageScale", "inputs": {"image": ["10", 0], "upscale_method": "bicubic",
                "width": 7, "height": 6, "crop": "center"}},
         "12": {"class_type": "SaveImage", "inputs": {"images": ["11", 0], "filename_prefix": "e2e/img"}},
         "13": {"class_type": "ImageScaleBy", "inputs": {"image": ["10", 0], "upscale_method": "lanczos",
                "scale_by": 1.7}},
         "14": {"class_type": "SaveImage", "inputs": {"images": ["13", 0], "filename_prefix": "e2e/lanczos"}},
         "20": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 48, "batch_size": 2}},
         "21": {"class_type": "LatentUpscaleBy", "inputs": {"samples": ["20", 0], "upscale_method": "bislerp",
                "scale_by": 1.5}},
         "22": {"class_type": "SaveLatent", "inputs": {"samples": ["21", 0], "filename_prefix": "latents/empty"}},
         "30": {"class_type": "LoadLatentNumpy", "inputs": {"latent": "noise.npy"}},
         "31": {"class_type": "LatentUpscaleBy", "inputs": {"samples": ["30", 0], "upscale_method": "bicubic",
                "scale_by": 1.5}},
         "32": {"class_type": "SaveLatentNumpy", "inputs": {"samples": ["31", 0], "filename_prefix": "latents/up"}},
         "33": {"class_type": "SaveLatent", "inputs": {"samples": ["31", 0], "filename_prefix": "latents/up"}}}
        """;

    private static NodeEnvironment Prepare(string root)
    {
        var env = NodeEnvironment.UnderRoot(root);
        Directory.CreateDirectory(env.InputDir);
        var rng = new Random(42);
        byte[] rgba = new byte[5 * 4 * 4];
        rng.NextBytes(rgba);
        File.WriteAllBytes(Path.Combine(env.InputDir, "in.png"), NaivePng.Write(5, 4, 4, rgba));
        float[] noise = Enumerable.Range(0, 1 * 4 * 4 * 6).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        NpyFile.Write(Path.Combine(env.InputDir, "noise.npy"), new Core.Tensors.FloatTensor([1, 4, 4, 6], noise));
        File.WriteAllText(Path.Combine(root, "workflow.json"), Workflow);
        return env;
    }

    [Test]
    public void Run_ModelFreeWorkflow_LibraryAndCliWriteIdenticalFiles()
    {
        using var libRoot = new TempDir();
        using var cliRoot = new TempDir();
        var libEnv = Prepare(libRoot.Path);
        var cliEnv = Prepare(cliRoot.Path);

        var libResult = new WorkflowExecutor(NodeRegistry.Default, libEnv)
            .Execute(Nodes.Workflows.Workflow.Load(Path.Combine(libRoot.Path, "workflow.json")));

        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliCommon.Invoke(Program.BuildRoot(),
        [
            "run", Path.Combine(cliRoot.Path, "workflow.json"), "--input-dir", cliEnv.InputDir,
            "--output-dir", cliEnv.OutputDir, "--temp-dir", cliEnv.TempDir, "--models-dir", cliEnv.ModelsDir,
            "--ep", "cpu", "--precision", "fp32",
        ], output, error);
        Assert.That(code, Is.EqualTo(0), error.ToString() + output);

        var relative = libResult.FilesWritten.Select(f => Path.GetRelativePath(libEnv.OutputDir, f.FullPath)).ToArray();
        Assert.That(relative, Is.EquivalentTo(new[]
        {
            Path.Combine("e2e", "img_00001_.png"), Path.Combine("e2e", "lanczos_00001_.png"),
            Path.Combine("latents", "empty_00001_.latent"), Path.Combine("latents", "up_00001_.npy"),
            Path.Combine("latents", "up_00002_.latent"),
        }));
        foreach (string file in relative)
        {
            string lib = Path.Combine(libEnv.OutputDir, file), cli = Path.Combine(cliEnv.OutputDir, file);
            Assert.That(output.ToString(), Does.Contain("wrote " + cli));
            if (file.EndsWith(".png", StringComparison.Ordinal))
            {
                var a = NaivePng.Read(File.ReadAllBytes(lib));
                var b = NaivePng.Read(File.ReadAllBytes(cli));
                Assert.That(b.Pixels, Is.EqualTo(a.Pixels), file);
                Assert.That(b.Texts, Is.EqualTo(a.Texts), file);
            }
            else if (file.EndsWith(".npy", StringComparison.Ordinal))
            {
                Assert.That(File.ReadAllBytes(cli), Is.EqualTo(File.ReadAllBytes(lib)), file);
            }
            else
            {
                Assert.That(ComfyLatentFile.Read(cli).Samples.Data, Is.EqualTo(ComfyLatentFile.Read(lib).Samples.Data));
            }
        }

        var png = NaivePng.Read(File.ReadAllBytes(Path.Combine(cliEnv.OutputDir, "e2e", "img_00001_.png")));
        Assert.That((png.Width, png.Height, png.Channels), Is.EqualTo((7, 6, 3)));
        // ImageScaleBy 1.7 of 5×4: round(8.5) = 8 (half to even), round(6.8) = 7.
        var lanczos = NaivePng.Read(File.ReadAllBytes(Path.Combine(cliEnv.OutputDir, "e2e", "lanczos_00001_.png")));
        Assert.That((lanczos.Width, lanczos.Height), Is.EqualTo((8, 7)));
    }

    [Test]
    public void Run_InvalidWorkflow_ExitsThreeWithComfyErrorJson()
    {
        using var root = new TempDir();
        string path = Path.Combine(root.Path, "bad.json");
        File.WriteAllText(path, """
            {"1": {"class_type": "EmptyLatentImage", "inputs": {"width": 8, "height": 64, "batch_size": 1}},
             "2": {"class_type": "LatentUpscale", "inputs": {"samples": ["1", 0], "upscale_method": "cubic",
                   "width": 512, "height": 512, "crop": "disabled"}},
             "3": {"class_type": "SaveLatent", "inputs": {"samples": ["2", 0], "filename_prefix": "x"}},
             "4": {"class_type": "NoSuchNode", "inputs": {}}}
            """);
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliCommon.Invoke(
            Program.BuildRoot(), ["run", path, "--output-dir", root.File("out")], output, error);
        Assert.That(code, Is.EqualTo(3));
        JsonObject json = JsonNode.Parse(output.ToString())!.AsObject();
        Assert.That(json["error"]!["type"]!.GetValue<string>(), Is.EqualTo("invalid_prompt"));
        string FirstType(string id) => json["node_errors"]![id]!["errors"]![0]!["type"]!.GetValue<string>();
        Assert.That(FirstType("1"), Is.EqualTo("value_smaller_than_min"));
        Assert.That(FirstType("2"), Is.EqualTo("value_not_in_list"));
        Assert.That(FirstType("4"), Is.EqualTo("invalid_prompt"));
        Assert.That(error.ToString(), Does.StartWith("error[invalid_prompt]:"));
        Assert.That(Directory.Exists(root.File("out")), Is.False, "nothing may run");
    }

    [Test]
    public void Run_ProgressLines_ShowEveryNodeInOrder()
    {
        using var root = new TempDir();
        string path = Path.Combine(root.Path, "w.json");
        File.WriteAllText(path, """
            {"1": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
             "2": {"class_type": "SaveLatentNumpy", "inputs": {"samples": ["1", 0], "filename_prefix": "n"}}}
            """);
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliCommon.Invoke(
            Program.BuildRoot(), ["run", path, "--output-dir", root.File("out")], output, error);
        Assert.That(code, Is.EqualTo(0), error.ToString());
        string[] lines = output.ToString()
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.That(lines[0], Is.EqualTo("[1/2] #1 EmptyLatentImage"));
        Assert.That(lines[1], Does.Match("^#1 done in [0-9.]+ s$"));
        Assert.That(lines[2], Is.EqualTo("[2/2] #2 SaveLatentNumpy"));
        Assert.That(lines[^1], Is.EqualTo("wrote " + Path.Combine(root.File("out"), "n_00001_.npy")));
    }
}
