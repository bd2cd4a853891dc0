using System.Text.Json.Nodes;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Core.Json;
using OnnxDiffusion.Nodes.Schema;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Nodes.Tests;

[Category("Unit")]
public sealed class ObjectInfoTests
{
    [Test]
    public void Build_EmptyLatentImage_MatchesComfyObjectInfoShape()
    {
        var env = NodeEnvironment.UnderRoot("/nonexistent-onnxdiff-root");
        JsonObject info = ObjectInfo.Build(NodeRegistry.Default, env)["EmptyLatentImage"]!.AsObject();
        Assert.That(PythonJson.Dumps(info), Is.EqualTo(
            "{\"input\": {\"required\": {" +
            "\"width\": [\"INT\", {\"default\": 512, \"min\": 16, \"max\": 16384, \"step\": 8}], " +
            "\"height\": [\"INT\", {\"default\": 512, \"min\": 16, \"max\": 16384, \"step\": 8}], " +
            "\"batch_size\": [\"INT\", {\"default\": 1, \"min\": 1, \"max\": 4096}]}}, " +
            "\"input_order\": {\"required\": [\"width\", \"height\", \"batch_size\"]}, " +
            "\"output\": [\"LATENT\"], \"output_is_list\": [false], \"output_name\": [\"LATENT\"], " +
            "\"name\": \"EmptyLatentImage\", \"display_name\": \"Empty Latent Image\", \"description\": \"\", " +
            "\"python_module\": \"nodes\", \"category\": \"latent\", \"output_node\": false}"));
    }

    [Test]
    public void Build_SaveImageAndLoadImage_ShowHiddenInputsAndInputFolderFiles()
    {
        using var root = new TempDir();
        var env = NodeEnvironment.UnderRoot(root.Path);
        Directory.CreateDirectory(env.InputDir);
        File.WriteAllBytes(Path.Combine(env.InputDir, "b.png"), []);
        File.WriteAllBytes(Path.Combine(env.InputDir, "A.JPG"), []);
        File.WriteAllBytes(Path.Combine(env.InputDir, "notes.txt"), []);
        JsonObject all = ObjectInfo.Build(NodeRegistry.Default, env);
        Assert.That(PythonJson.Dumps(all["SaveImage"]!["input"]!["hidden"]),
            Is.EqualTo("{\"prompt\": \"PROMPT\", \"extra_pnginfo\": \"EXTRA_PNGINFO\"}"));
        Assert.That(all["SaveImage"]!["output_node"]!.GetValue<bool>(), Is.True);
        Assert.That(PythonJson.Dumps(all["LoadImage"]!["input"]!["required"]!["image"]),
            Is.EqualTo("[[\"A.JPG\", \"b.png\"], {\"image_upload\": true}]"));
        Assert.That(PythonJson.Dumps(all["LatentUpscaleBy"]!["input"]!["required"]!["scale_by"]),
            Is.EqualTo("[\"FLOAT\", {\"default\": 1.5, \"min\": 0.01, \"max\": 8.0, \"step\": 0.01}]"));
    }
}
