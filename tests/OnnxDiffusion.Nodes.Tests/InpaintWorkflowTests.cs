using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Synthetic;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Values;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Nodes.Tests;

/// <summary>
/// A real-mask inpaint workflow end to end on a tiny model: LoadImage of an RGBA PNG (MASK = 1 − alpha) →
/// VAEEncodeForInpaint → KSampler → VAEDecode → SaveImage, checked against a naive re-implementation of
/// ComfyUI's mask handling.
/// </summary>
[Category("Integration")]
public sealed class InpaintWorkflowTests
{
    private const int Size = 64;
    private const int Grow = 6;

    /// <summary>RGBA pixels: a transparent square (to regenerate), a few half-transparent pixels on each side of
    /// the rounding threshold, and opaque or nearly opaque noise elsewhere.</summary>
    private static byte[] Rgba()
    {
        var random = new Random(8);
        byte[] rgba = new byte[Size * Size * 4];
        random.NextBytes(rgba);
        for (int y = 0; y < Size; y++)
        {
            for (int x = 0; x < Size; x++)
            {
                byte alpha = (y, x) switch
                {
                    ( >= 20 and < 28, >= 24 and < 36) => 0,     // mask 1
                    ( >= 44 and < 46, >= 8 and < 10) => 100,    // mask 0.608: rounds to 1
                    ( >= 44 and < 46, >= 40 and < 42) => 140,   // mask 0.451: rounds to 0
                    _ => (x + y) % 5 == 0 ? (byte)230 : (byte)255,
                };
                rgba[(y * Size + x) * 4 + 3] = alpha;
            }
        }

        return rgba;
    }

    /// <summary>VAEEncodeForInpaint's noise mask, naively: round, k×k box sum with padding ceil((k−1)/2), clamp,
    /// crop to the image, round.</summary>
    private static float[] ExpectedNoiseMask(float[] mask)
    {
        int pad = (int)Math.Ceiling((Grow - 1) / 2.0);
        var result = new float[Size * Size];
        for (int y = 0; y < Size; y++)
        {
            for (int x = 0; x < Size; x++)
            {
                double sum = 0;
                for (int dy = 0; dy < Grow; dy++)
                {
                    for (int dx = 0; dx < Grow; dx++)
                    {
                        int sy = y - pad + dy, sx = x - pad + dx;
                        if (sy >= 0 && sy < Size && sx >= 0 && sx < Size)
                        {
                            sum += Math.Round(mask[sy * Size + sx], MidpointRounding.ToEven);
                        }
                    }
                }

                result[y * Size + x] = (float)Math.Round(Math.Clamp(sum, 0, 1));
            }
        }

        return result;
    }

    [Test]
    public void Inpaint_RgbaAlphaMask_FollowsComfyMaskSemantics()
    {
        using var root = new TempDir();
        var env = NodeEnvironment.UnderRoot(root.Path) with
        {
            TokenizerDir = Path.GetDirectoryName(SharedData.PathOrIgnore("clip-tokenizer/vocab.json")),
        };
        Directory.CreateDirectory(Path.Combine(env.ModelsDir, "checkpoints"));
        Directory.CreateDirectory(env.InputDir);
        SyntheticCheckpoint.Write(Path.Combine(env.ModelsDir, "checkpoints", "tiny.safetensors"),
            new SyntheticOptions { Config = Sd15Config.Tiny, Seed = 4 });
        byte[] rgba = Rgba();
        File.WriteAllBytes(Path.Combine(env.InputDir, "masked.png"), NaivePng.Write(Size, Size, 4, rgba));

        ExecutionResult result = new WorkflowExecutor(NodeRegistry.Default, env).Execute(W.Prompt(
            W.Node("4", "CheckpointLoaderSimple", ("ckpt_name", "tiny.safetensors")),
            W.Node("6", "CLIPTextEncode", ("text", "a cat"), ("clip", W.Link("4", 1))),
            W.Node("7", "CLIPTextEncode", ("text", ""), ("clip", W.Link("4", 1))),
            W.Node("10", "LoadImage", ("image", "masked.png")),
            W.Node("11", "VAEEncodeForInpaint", ("pixels", W.Link("10")), ("vae", W.Link("4", 2)),
                ("mask", W.Link("10", 1)), ("grow_mask_by", Grow)),
            W.Node("3", "KSampler", ("seed", 3), ("steps", 3), ("cfg", 5.0), ("sampler_name", "euler"),
                ("scheduler", "normal"), ("denoise", 1.0), ("model", W.Link("4")), ("positive", W.Link("6")),
                ("negative", W.Link("7")), ("latent_image", W.Link("11"))),
            W.Node("8", "VAEDecode", ("samples", W.Link("3")), ("vae", W.Link("4", 2))),
            W.Node("9", "SaveImage", ("filename_prefix", "inpaint/out"), ("images", W.Link("8")))));

        SavedFile saved = result.FilesWritten.Single();
        Assert.That((saved.Filename, saved.Subfolder), Is.EqualTo(("out_00001_.png", "inpaint")));
        NaivePng.Image png = NaivePng.Read(File.ReadAllBytes(saved.FullPath));
        Assert.That((png.Width, png.Height, png.Channels), Is.EqualTo((Size, Size, 3)));

        // LoadImage: IMAGE = RGB / 255, MASK = 1 − alpha / 255 (float32 arithmetic, as numpy does it).
        var image = (FloatTensor)result.Results["10"].Outputs[0]!;
        var mask = (FloatTensor)result.Results["10"].Outputs[1]!;
        Assert.That(mask.Shape, Is.EqualTo(new[] { 1, Size, Size }));
        float[] expectedMask = [.. Enumerable.Range(0, Size * Size).Select(p => 1f - rgba[p * 4 + 3] / 255f)];
        Assert.That(mask.Data, Is.EqualTo(expectedMask));
        Assert.That(image.Data[(5 * Size + 7) * 3 + 1], Is.EqualTo(rgba[(5 * Size + 7) * 4 + 1] / 255f));

        // VAEEncodeForInpaint: the noise mask is the rounded, grown mask at pixel resolution.
        var encoded = (Latent)result.Results["11"].Outputs[0]!;
        Assert.That(encoded.NoiseMask!.Shape, Is.EqualTo(new[] { 1, 1, Size, Size }));
        float[] noiseMask = ExpectedNoiseMask(expectedMask);
        Assert.That(encoded.NoiseMask.Data, Is.EqualTo(noiseMask));
        Assert.That(noiseMask[45 * Size + 8], Is.EqualTo(1f), "alpha 100 is inside the mask");
        Assert.That(noiseMask[45 * Size + 40], Is.EqualTo(0f), "alpha 140 is outside the mask");

        AssertKeptOutsideMask(encoded, (Latent)result.Results["3"].Outputs[0]!, noiseMask);
    }

    /// <summary>
    /// ComfyUI samples with the mask resized bilinearly (align_corners=False) to the latent size: latent cell
    /// (i, j) averages pixels 8i+3..8i+4 × 8j+3..8j+4. Where that is 0 the sampler keeps the encoded latent (up to
    /// float rounding of the last step); where it is 1 it regenerates.
    /// </summary>
    private static void AssertKeptOutsideMask(Latent encoded, Latent sampled, float[] noiseMask)
    {
        int h = Size / 8, w = Size / 8, channels = encoded.Samples.Shape[1];
        double scale = encoded.Samples.Data.Max(MathF.Abs);
        int kept = 0, regenerated = 0;
        for (int i = 0; i < h; i++)
        {
            for (int j = 0; j < w; j++)
            {
                double m = 0;
                for (int dy = 3; dy <= 4; dy++)
                {
                    for (int dx = 3; dx <= 4; dx++)
                    {
                        m += noiseMask[(8 * i + dy) * Size + 8 * j + dx] / 4.0;
                    }
                }

                for (int c = 0; c < channels; c++)
                {
                    int at = (c * h + i) * w + j;
                    double diff = Math.Abs(sampled.Samples.Data[at] - encoded.Samples.Data[at]);
                    if (m == 0)
                    {
                        kept++;
                        Assert.That(diff, Is.LessThanOrEqualTo(1e-4 * scale), $"cell ({i},{j}) channel {c}");
                    }
                    else if (m == 1 && diff > 1e-2 * scale)
                    {
                        regenerated++;
                    }
                }
            }
        }

        Assert.That(kept, Is.GreaterThan(channels * h * w / 2));
        Assert.That(regenerated, Is.GreaterThan(0), "the masked cells were not regenerated");
    }
}
