using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Tests.TestNodes;
using OnnxDiffusion.Nodes.Values;
using OnnxDiffusion.Nodes.Workflows;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Nodes.Tests;

[Category("Integration")]
public sealed class LatentIoNodesTests
{
    private const string SavePrompt =
        "{\"1\": {\"class_type\": \"EmptyLatentImage\", \"inputs\": {\"width\": 64, \"height\": 64, " +
        "\"batch_size\": 1}}, " +
        "\"2\": {\"class_type\": \"LatentUpscaleBy\", \"inputs\": {\"samples\": [\"1\", 0], \"upscale_method\": " +
        "\"nearest-exact\", \"scale_by\": 2.0}}, \"3\": {\"class_type\": \"SaveLatent\", \"inputs\": {\"samples\": " +
        "[\"2\", 0], \"filename_prefix\": \"latents/ComfyUI\"}}, \"4\": {\"class_type\": \"SaveLatentNumpy\", " +
        "\"inputs\": {\"samples\": [\"2\", 0], \"filename_prefix\": \"latents/ComfyUI\"}}}";

    /// <summary>Safetensors header parsed by hand: tensor name → (dtype, shape), plus metadata.</summary>
    private static (Dictionary<string, (string, long[])> Tensors, Dictionary<string, string> Meta) ReadHeader(
        string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        long length = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)length));
        var tensors = new Dictionary<string, (string, long[])>();
        var meta = new Dictionary<string, string>();
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Name == "__metadata__")
            {
                foreach (var m in p.Value.EnumerateObject())
                {
                    meta[m.Name] = m.Value.GetString()!;
                }
            }
            else
            {
                tensors[p.Name] = (p.Value.GetProperty("dtype").GetString()!,
                    p.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray());
            }
        }

        return (tensors, meta);
    }

    private static byte[] Npy(int[] shape, float[] data)
    {
        string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + string.Join(", ", shape) +
            (shape.Length == 1 ? ",), }" : "), }");
        int total = (10 + dict.Length + 1 + 63) / 64 * 64;
        string header = dict.PadRight(total - 10 - 1) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange(Encoding.ASCII.GetBytes("NUMPY"));
        bytes.AddRange([1, 0, (byte)(header.Length & 0xFF), (byte)(header.Length >> 8)]);
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange(MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
        return bytes.ToArray();
    }

    [Test]
    public void SaveLatentAndNumpy_SharedCounterFilesAndMetadata()
    {
        using var root = new TempDir();
        var env = NodeEnvironment.UnderRoot(root.Path);
        var workflow = Workflow.Parse("{\"prompt\": " + SavePrompt +
            ", \"extra_data\": {\"extra_pnginfo\": {\"workflow\": {\"v\": 0.5}}}}");
        var result = new WorkflowExecutor(NodeRegistry.Default, env).Execute(workflow);

        Assert.That(result.FilesWritten.Select(f => f.Filename),
            Is.EqualTo(new[] { "ComfyUI_00001_.latent", "ComfyUI_00002_.npy" }));
        Assert.That(result.Results["4"].Outputs, Is.EqualTo(new object[] { "ComfyUI_00002_.npy" }));
        Assert.That(result.ToUiJson().ToJsonString(), Is.EqualTo(
            "{\"3\":{\"latents\":[{\"filename\":\"ComfyUI_00001_.latent\",\"subfolder\":\"latents\"," +
            "\"type\":\"output\"}]}}"));

        var (tensors, meta) = ReadHeader(Path.Combine(env.OutputDir, "latents", "ComfyUI_00001_.latent"));
        Assert.That(tensors["latent_tensor"], Is.EqualTo(("F32", new long[] { 1, 4, 16, 16 })));
        Assert.That(tensors["latent_format_version_0"], Is.EqualTo(("F32", new long[] { 0 })));
        Assert.That(meta["prompt"], Is.EqualTo(SavePrompt));
        Assert.That(meta["workflow"], Is.EqualTo("{\"v\": 0.5}"));

        byte[] npy = File.ReadAllBytes(Path.Combine(env.OutputDir, "latents", "ComfyUI_00002_.npy"));
        string npyHeader = Encoding.ASCII.GetString(npy, 10, BinaryPrimitives.ReadUInt16LittleEndian(npy.AsSpan(8)));
        Assert.That(npyHeader, Does.StartWith("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4, 16, 16), }"));
        Assert.That(npy.Length - 10 - npyHeader.Length, Is.EqualTo(4 * 16 * 16 * 4));
    }

    [Test]
    public void LoadLatent_SavedFile_RoundTripsAndLegacyFileIsRescaled()
    {
        using var root = new TempDir();
        var env = NodeEnvironment.UnderRoot(root.Path);
        Directory.CreateDirectory(env.InputDir);
        var samples = new FloatTensor([1, 4, 2, 2], Enumerable.Range(0, 16).Select(i => i * 0.5f).ToArray());
        Core.Latents.ComfyLatentFile.Write(Path.Combine(env.InputDir, "new.latent"), samples);
        WriteLegacyLatent(Path.Combine(env.InputDir, "old.latent"), samples);
        var log = new CallLog();
        new WorkflowExecutor(NodeRegistry.Default.With(TestNodePack.Nodes(log)), env).Execute(W.Prompt(
            W.Node("1", "LoadLatent", ("latent", "new.latent")),
            W.Node("2", "LoadLatent", ("latent", "old.latent")),
            W.Node("3", "TestOutput", ("value", W.Link("1"))),
            W.Node("4", "TestOutput", ("value", W.Link("2")))));
        Assert.That(((Latent)log.Seen["3"]!).Samples.Data, Is.EqualTo(samples.Data));
        Assert.That(((Latent)log.Seen["4"]!).Samples.Data,
            Is.EqualTo(samples.Data.Select(v => v * (float)(1.0 / 0.18215)).ToArray()).Within(1e-6f));
    }

    [Test]
    public void LoadLatentNumpy_Formats_DispatchOnExtension()
    {
        using var root = new TempDir();
        var env = NodeEnvironment.UnderRoot(root.Path);
        Directory.CreateDirectory(env.InputDir);
        float[] data = Enumerable.Range(0, 16).Select(i => i - 3.5f).ToArray();
        File.WriteAllBytes(Path.Combine(env.InputDir, "a.npy"), Npy([4, 2, 2], data));
        File.WriteAllBytes(Path.Combine(env.InputDir, "b.bin"), Npy([1, 4, 2, 2], data));
        using (var zip = ZipFile.Open(Path.Combine(env.InputDir, "c.npz"), ZipArchiveMode.Create))
        {
            using var s = zip.CreateEntry("latents.npy").Open();
            s.Write(Npy([1, 4, 2, 2], data));
        }

        var log = new CallLog();
        new WorkflowExecutor(NodeRegistry.Default.With(TestNodePack.Nodes(log)), env).Execute(W.Prompt(
            W.Node("1", "LoadLatentNumpy", ("latent", "a.npy")),
            W.Node("2", "LoadLatentNumpy", ("latent", "b.bin")),
            W.Node("3", "LoadLatentNumpy", ("latent", "c.npz")),
            W.Node("4", "TestOutput", ("value", W.Link("1"))),
            W.Node("5", "TestOutput", ("value", W.Link("2"))),
            W.Node("6", "TestOutput", ("value", W.Link("3")))));
        foreach (string id in new[] { "4", "5", "6" })
        {
            var latent = (Latent)log.Seen[id]!;
            Assert.That(latent.Samples.Shape, Is.EqualTo(new[] { 1, 4, 2, 2 }), id);
            Assert.That(latent.Samples.Data, Is.EqualTo(data), id);
        }
    }

    [Test]
    public void LoadLatentNumpy_UnknownExtensionNotNpy_FailsWithNetDistMessage()
    {
        using var root = new TempDir();
        var env = NodeEnvironment.UnderRoot(root.Path);
        Directory.CreateDirectory(env.InputDir);
        File.WriteAllText(Path.Combine(env.InputDir, "x.bin"), "garbage");
        var ex = Assert.Throws<NodeExecutionException>(() => new WorkflowExecutor(NodeRegistry.Default, env).Execute(
            W.Prompt(W.Node("1", "LoadLatentNumpy", ("latent", "x.bin")),
                W.Node("2", "SaveLatentNumpy", ("samples", W.Link("1")), ("filename_prefix", "o")))));
        Assert.That(ex!.InnerException!.Message, Is.EqualTo("Unknown latent extension '.bin'"));
    }

    [TestCase("LoadLatentNumpy", "latent - Invalid latent file 'nope.npy'")]
    [TestCase("LoadLatent", "latent - Invalid latent file: nope.npy")]
    public void LoadLatent_MissingFile_CustomValidationFailed(string classType, string details)
    {
        using var root = new TempDir();
        var report = new WorkflowExecutor(NodeRegistry.Default, NodeEnvironment.UnderRoot(root.Path)).Validate(W.Prompt(
            W.Node("1", classType, ("latent", "nope.npy")),
            W.Node("2", "SaveLatent", ("samples", W.Link("1")), ("filename_prefix", "o"))));
        var error = report.NodeErrors.Single().Errors.Single();
        Assert.That(error.Type, Is.EqualTo("custom_validation_failed"));
        Assert.That(error.Details, Is.EqualTo(details));
    }

    private static void WriteLegacyLatent(string path, FloatTensor samples)
    {
        string header = "{\"latent_tensor\":{\"dtype\":\"F32\",\"shape\":[" + string.Join(",", samples.Shape) +
            "],\"data_offsets\":[0," + samples.Length * 4 + "]}}";
        while ((8 + header.Length) % 8 != 0)
        {
            header += " ";
        }

        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, header.Length);
        byte[] data = MemoryMarshal.AsBytes(samples.Data.AsSpan()).ToArray();
        File.WriteAllBytes(path, [.. bytes, .. Encoding.ASCII.GetBytes(header), .. data]);
    }
}
