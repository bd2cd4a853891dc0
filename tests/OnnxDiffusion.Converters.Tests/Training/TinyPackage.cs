using System.Runtime.InteropServices;
using OnnxDiffusion.Converters.Export;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Synthetic;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Converters.Tests.Training;

/// <summary>
/// A tiny synthetic SD1.x package (Sd15Config.Tiny: UNet 32 channels, context width 48), converted once per test
/// run and shared by the training tests (read-only), deleted when the test process exits. Needs the shared CLIP
/// tokenizer; tests are ignored without it. Also compiled into Runtime.Tests.
/// <para>A random UNet cannot denoise, so its ε-loss cannot fall below the noise variance (about 1): only the
/// excess energy of its prediction (about 0.2 with plain synthetic weights, which bounds any improvement near 17%)
/// can be trained away, and its cross-attention output, an average of random value vectors, barely reaches the
/// prediction. This fixture therefore amplifies every cross-attention output projection
/// (<c>attn2.to_out.0.weight</c> × <see cref="CrossAttentionGain"/>) so the context steers the prediction as a
/// prompt does in a trained model, and the final convolution (<c>out.2.weight</c> × <see cref="OutputGain"/>) so
/// the untrained prediction carries enough excess energy for a 30% improvement to be possible.</para>
/// </summary>
internal static class TinyPackage
{
    /// <summary>Factor applied to every <c>attn2.to_out.0.weight</c>.</summary>
    public const float CrossAttentionGain = 8f;

    /// <summary>Factor applied to the final convolution <c>model.diffusion_model.out.2.weight</c>.</summary>
    public const float OutputGain = 2f;

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
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => s_dir?.Dispose();
                    string checkpoint = s_dir.File("tiny.safetensors");
                    WriteCheckpoint(checkpoint);
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

    private static void WriteCheckpoint(string path)
    {
        var tensors = SyntheticCheckpoint.Tensors(Sd15Config.Tiny, DType.F32, seed: 3)
            .Select(t => t.Name.EndsWith("attn2.to_out.0.weight", StringComparison.Ordinal)
                ? t with { WriteData = stream => WriteScaled(t, stream, CrossAttentionGain) }
                : t.Name == "model.diffusion_model.out.2.weight"
                    ? t with { WriteData = stream => WriteScaled(t, stream, OutputGain) }
                    : t)
            .ToList();
        SafetensorsWriter.Write(path, tensors);
    }

    private static void WriteScaled(TensorToWrite tensor, Stream destination, float gain)
    {
        using var buffer = new MemoryStream();
        tensor.WriteData(buffer);
        float[] values = MemoryMarshal.Cast<byte, float>(buffer.ToArray()).ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            values[i] *= gain;
        }

        destination.Write(MemoryMarshal.AsBytes(values.AsSpan()));
    }
}
