using System.Diagnostics;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Core.Tests.Weights;

/// <summary>
/// The malicious .ckpt corpus of STYLE.md. Each armed pickle would create a sentinel file when loaded by Python's
/// pickle (proved by <see cref="Corpus_LoadedByPythonPickle_DoesFireItsSentinel"/> where python3 exists); our reader
/// must refuse it with the named global and the sentinel must not appear.
/// </summary>
[Category("Unit")]
public sealed class MaliciousCheckpointTests
{
    /// <summary>Name, refused global (null: a format error), and the pickle for a sentinel path.</summary>
    private static readonly (string Name, string? Global, Func<string, byte[]> Pickle)[] s_corpus =
    [
        ("reduce_os_system", "os.system", s => new PickleBuilder().Proto(2).Global("os", "system")
            .Str($"touch '{s}'").TupleN(1).Reduce().Stop().ToArray()),
        ("reduce_posix_system", "posix.system", s => new PickleBuilder().Proto(2).Global("posix", "system")
            .Str($"touch '{s}'").TupleN(1).Reduce().Stop().ToArray()),
        ("builtins_eval", "builtins.eval", s => new PickleBuilder().Proto(2).Global("builtins", "eval")
            .Str($"open(r'{s}', 'w').close()").TupleN(1).Reduce().Stop().ToArray()),
        ("stack_global_exec", "builtins.exec", s => new PickleBuilder().Proto(4).StackGlobal("builtins", "exec")
            .Str($"open(r'{s}', 'w').close()").TupleN(1).Reduce().Stop().ToArray()),
        ("inst_os_system", "os.system", s => new PickleBuilder().Proto(0).Mark().Str($"touch '{s}'")
            .Inst("os", "system").Stop().ToArray()),
        ("global_hidden_in_build", "os.system", HiddenInBuild),
    ];

    private static IEnumerable<TestCaseData> Corpus() =>
        s_corpus.Select(c => new TestCaseData(c.Name).SetName($"Open_{c.Name}_RefusedAndSentinelNeverAppears"));

    [TestCaseSource(nameof(Corpus))]
    public void Open_ArmedCheckpoint_RefusedAndSentinelNeverAppears(string name)
    {
        var (_, global, pickle) = s_corpus.Single(c => c.Name == name);
        using var dir = new TempDir();
        string sentinel = dir.File("SENTINEL");
        string path = dir.File(name + ".ckpt");
        TorchZipWriter.WriteArchive(path, pickle(sentinel), [("0", new byte[16])]);

        var ex = Assert.Throws<UnsafeCheckpointException>(() => WeightFile.Open(path).Dispose());
        Assert.That(ex!.Global, Is.EqualTo(global));
        Assert.That(ex.Message,
            Does.Contain($"`{global}`").And.Contain("safetensors").And.Contain("Nothing was executed"));
        Assert.That(ex.Code, Is.EqualTo("unsafe_checkpoint"));
        Assert.That(File.Exists(sentinel), Is.False, "the sentinel side effect happened");
    }

    [Test]
    [Category("Integration")]
    public void Corpus_LoadedByPythonPickle_DoesFireItsSentinel()
    {
        // Proves the corpus is armed: the same files that our reader refuses do run code in Python's pickle.
        using var dir = new TempDir();
        foreach (var (name, _, pickle) in s_corpus)
        {
            string sentinel = dir.File(name + ".fired");
            string path = dir.File(name + ".ckpt");
            TorchZipWriter.WriteArchive(path, pickle(sentinel), [("0", new byte[16])]);
            Assert.Throws<UnsafeCheckpointException>(() => WeightFile.Open(path).Dispose());
            Assert.That(File.Exists(sentinel), Is.False, name);
            RunPythonUnpickler(path);
            Assert.That(File.Exists(sentinel), Is.True, $"{name}: Python's pickle did not fire the sentinel");
        }
    }

    [Test]
    public void Open_LoadFromBytesStorage_Refused()
    {
        using var dir = new TempDir();
        string path = dir.File("bytes.ckpt");
        byte[] pickle = new PickleBuilder().Proto(2).EmptyDict().Str("w").Global("torch.storage", "_load_from_bytes")
            .Bytes(new byte[8]).TupleN(1).Reduce().SetItem().Stop().ToArray();
        TorchZipWriter.WriteArchive(path, pickle, []);
        var ex = Assert.Throws<UnsafeCheckpointException>(() => WeightFile.Open(path).Dispose());
        Assert.That(ex!.Global, Is.EqualTo("torch.storage._load_from_bytes"));
    }

    [Test]
    public void Open_PickledModuleObject_RefusedNamingTheClass()
    {
        using var dir = new TempDir();
        string path = dir.File("module.pt");
        byte[] pickle = new PickleBuilder().Proto(2).Global("torch.nn.modules.conv", "Conv2d").EmptyTuple()
            .Raw(0x81).Stop().ToArray();
        TorchZipWriter.WriteArchive(path, pickle, []);
        var ex = Assert.Throws<UnsafeCheckpointException>(() => WeightFile.Open(path).Dispose());
        Assert.That(ex!.Global, Is.EqualTo("torch.nn.modules.conv.Conv2d"));
    }

    [Test]
    public void Open_ExtensionRegistryCode_Refused()
    {
        using var dir = new TempDir();
        string path = dir.File("ext.ckpt");
        TorchZipWriter.WriteArchive(path, new PickleBuilder().Proto(2).Raw(0x82, 1).Stop().ToArray(), []);
        var ex = Assert.Throws<UnsafeCheckpointException>(() => WeightFile.Open(path).Dispose());
        Assert.That(ex!.Global, Is.EqualTo("copyreg.extension"));
    }

    [Test]
    public void Open_AllowlistedFunctionUsedAsClass_Refused()
    {
        using var dir = new TempDir();
        string path = dir.File("newobj.ckpt");
        byte[] pickle = new PickleBuilder().Proto(2).Global("torch._utils", "_rebuild_tensor_v2").EmptyTuple().Raw(0x81)
            .Stop().ToArray();
        TorchZipWriter.WriteArchive(path, pickle, []);
        var ex = Assert.Throws<ModelFormatException>(() => WeightFile.Open(path).Dispose());
        Assert.That(ex!.Message, Does.Contain("NEWOBJ"));
    }

    [Test]
    public void Open_StorageWithForgedSize_Refused()
    {
        using var dir = new TempDir();
        string path = dir.File("forged.ckpt");
        byte[] pickle = TorchZipWriter.BuildPickle([("0", DType.F16, new byte[1L << 20])],
            [new TorchView("w", "0", 0, [1L << 19], [1])], new TorchZipOptions());
        TorchZipWriter.WriteArchive(path, pickle, [("0", new byte[64])]);
        var ex = Assert.Throws<ModelFormatException>(() => WeightFile.Open(path).Dispose());
        Assert.That(ex!.Message, Does.Contain("forged"));
    }

    private static byte[] HiddenInBuild(string sentinel)
    {
        // A genuine state dict (one tensor), whose BUILD state smuggles a call in after the weights.
        byte[] valid = TorchZipWriter.BuildPickle([("0", DType.F32, new byte[16])],
            [new TorchView("w", "0", 0, [4], [1])], new TorchZipOptions { NestUnderStateDict = false });
        var p = new PickleBuilder().Raw(valid[..^1]); // drop STOP
        p.EmptyDict().Str("_metadata").Global("os", "system").Str($"touch '{sentinel}'").TupleN(1).Reduce()
            .SetItem().Build().Stop();
        return p.ToArray();
    }

    private static void RunPythonUnpickler(string path)
    {
        const string Script = """
            import io, pickle, sys, zipfile
            class Unpickler(pickle.Unpickler):
                def find_class(self, module, name):
                    if module.startswith("torch"):
                        return lambda *args, **kwargs: None
                    return super().find_class(module, name)
                def persistent_load(self, pid):
                    return None
            data = zipfile.ZipFile(sys.argv[1]).read("archive/data.pkl")
            try:
                Unpickler(io.BytesIO(data)).load()
            except Exception as e:
                print("after side effects:", repr(e))
            """;
        ProcessStartInfo info;
        try
        {
            info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(Script);
            info.ArgumentList.Add(path);
            using Process process = Process.Start(info)!;
            process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Ignore("python3 is not installed: cannot prove the corpus is armed.");
        }
    }
}
