using OnnxDiffusion.Converters.Export;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Synthetic;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Converters.Tests.Training;

/// <summary>
/// A tiny synthetic SD1.x package (Sd15Config.Tiny: UNet 32 channels, context width 48), converted once per test
/// run and shared by the training tests (read-only). Needs the shared CLIP tokenizer; tests are ignored without it.
/// Also compiled into Runtime.Tests.
/// </summary>
internal static class TinyPackage
{
    private static readonly object s_lock = new();
    private static TempDir? s_dir;
    private static string? s_root;

    /// <summary>The package folder (created on first use).</summary>
    public static string Root
    {
        get
        {
            string tokenizer = SharedData.PathOrIgnore("clip-tokenizer/vocab.json");
            lock (s_lock)
            {
                if (s_root is null)
                {
                    s_dir = new TempDir("onnxdiff-tiny-package");
                    string checkpoint = s_dir.File("tiny.safetensors");
                    SyntheticCheckpoint.Write(checkpoint, new SyntheticOptions { Config = Sd15Config.Tiny, Seed = 3 });
                    s_root = CheckpointConverter.Convert(new ConvertOptions
                    {
                        Source = checkpoint,
                        Output = s_dir.File("package"),
                        TokenizerDir = Path.GetDirectoryName(tokenizer),
                        SkipHash = true,
                    }).PackageDir;
                }

                return s_root;
            }
        }
    }

    /// <summary>Deletes the package (called once after all tests of the assembly).</summary>
    public static void Delete()
    {
        lock (s_lock)
        {
            s_dir?.Dispose();
            s_dir = null;
            s_root = null;
        }
    }
}

/// <summary>Removes the shared tiny package after the run.</summary>
[SetUpFixture]
public sealed class TinyPackageCleanup
{
    [OneTimeTearDown]
    public void DeletePackage() => TinyPackage.Delete();
}
