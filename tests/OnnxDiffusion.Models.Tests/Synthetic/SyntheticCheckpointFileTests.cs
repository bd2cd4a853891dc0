using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Families;
using OnnxDiffusion.Models.Layouts;
using OnnxDiffusion.Models.Synthetic;
using OnnxDiffusion.TestSupport;
using OnnxDiffusion.TestSupport.Reference;

namespace OnnxDiffusion.Models.Tests.Synthetic;

/// <summary>Writes real files: the tiny model once (fp16, 33 MB) and a smaller same-names model for the rest.</summary>
[Category("Integration")]
public sealed class SyntheticCheckpointFileTests
{
    /// <summary>
    /// Same 1,131 names as SD1.5 at 3% of the tiny size: widths 8/16/24/24 with 8 norm groups, CLIP width 24,
    /// vocabulary 1000. (SD1.x detection assumes 32 groups, so this one is checked with Validate.)
    /// </summary>
    private static readonly Sd15Config s_micro = new()
    {
        TextEncoder = new ClipTextConfig { Width = 24, Layers = 12, Heads = 12, MlpWidth = 96, VocabSize = 1000 },
        UNet = new UNetConfig
        {
            InChannels = 4, ModelChannels = 8, ChannelMult = [1, 2, 3, 3], NormGroups = 8,
            AttentionLevels = [true, true, true, false], ContextDim = 24,
        },
        Vae = new VaeConfig { BaseChannels = 8, ChannelMult = [1, 2, 3, 3], NormGroups = 8 },
    };

    private TempDir _dir = null!;
    private string _tiny = null!;
    private SyntheticSummary _tinySummary = null!;

    [OneTimeSetUp]
    public void WriteTiny()
    {
        _dir = new TempDir("synth-test");
        _tiny = _dir.File("tiny-fp16.safetensors");
        _tinySummary = SyntheticCheckpoint.Write(_tiny, new SyntheticOptions
        {
            Config = Sd15Config.Tiny, DType = DType.F16, Seed = 1234,
        });
    }

    [OneTimeTearDown]
    public void Cleanup() => _dir.Dispose();

    [Test]
    public void Micro_HasTheFullNameSet()
    {
        Assert.That(Sd15Layout.Enumerate(s_micro).Select(t => t.Name),
            Is.EqualTo(Sd15Layout.Enumerate(Sd15Config.Full).Select(t => t.Name)));
    }

    [Test]
    public void Write_Tiny_FileSizeIsHeaderPlusExactPayload()
    {
        long payload = Sd15Layout.Enumerate(Sd15Config.Tiny)
            .Sum(t => t.Shape.Aggregate(1L, (a, d) => a * d) * (t.Name == Sd15Layout.PositionIdsKey ? 8 : 2));
        byte[] head = new byte[8];
        using (FileStream f = File.OpenRead(_tiny))
        {
            f.ReadExactly(head);
        }

        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(head);
        long size = new FileInfo(_tiny).Length;
        Assert.That(size, Is.EqualTo(8 + headerLength + payload));
        Assert.That(payload, Is.EqualTo((2 * 16_532_475L) + 616));
        Assert.That(_tinySummary.Bytes, Is.EqualTo(size));
        Assert.That(_tinySummary.Tensors, Is.EqualTo(1131));
        Assert.That(_tinySummary.Parameters, Is.EqualTo(16_532_475L));
    }

    [Test]
    public void Write_Tiny_IsDetectedAsTinyAndValidates()
    {
        using IWeightSource source = WeightFile.Open(_tiny);
        Assert.That(ModelFamilies.Detect(source), Is.SameAs(Sd15Family.Instance));
        Sd15Config config = Sd15Family.DetectFromWeights(source);
        Assert.That(JsonSerializer.Serialize(config), Is.EqualTo(JsonSerializer.Serialize(Sd15Config.Tiny)));
        Assert.That(source.Metadata["onnxdiffusion.synthetic.seed"], Is.EqualTo("1234"));
    }

    [Test]
    public void Write_Tiny_PositionIdsAreZeroTo76AsInt64()
    {
        using IWeightSource source = WeightFile.Open(_tiny);
        TensorInfo info = source.GetInfo(Sd15Layout.PositionIdsKey);
        Assert.That(info.DType, Is.EqualTo(DType.I64));
        Assert.That(info.Shape, Is.EqualTo(new long[] { 1, 77 }));
        long[] ids = MemoryMarshal.Cast<byte, long>(source.GetBytes(Sd15Layout.PositionIdsKey)).ToArray();
        Assert.That(ids, Is.EqualTo(Enumerable.Range(0, 77).Select(i => (long)i)));
    }

    [Test]
    public void Write_Tiny_InitialisationStatisticsAreSane()
    {
        using IWeightSource source = WeightFile.Open(_tiny);
        var vectorWeights = source.Tensors.Where(t => t.Shape.Length == 1 && t.Name.EndsWith(".weight",
            StringComparison.Ordinal)).Select(t => t.Name[..^7]).ToHashSet();
        double biasSumSq = 0;
        long biasCount = 0;
        foreach (TensorInfo t in source.Tensors.Where(t => t.DType == DType.F16))
        {
            float[] v = source.ReadFloat32(t.Name);
            Assert.That(v.All(float.IsFinite), Is.True, t.Name);
            string module = t.Name[..t.Name.LastIndexOf('.')];
            if (t.Shape.Length >= 2)
            {
                long fanIn = t.ElementCount / t.Shape[0];
                (double mean, double std) = Moments(v);
                double expected = 1 / Math.Sqrt(fanIn);
                double tolerance = 6 / Math.Sqrt(2.0 * v.Length) + 0.002;   // sampling error of a std estimate
                Assert.That(std / expected, Is.EqualTo(1).Within(tolerance), t.Name);
                Assert.That(Math.Abs(mean), Is.LessThan(6 * expected / Math.Sqrt(v.Length)), t.Name);
            }
            else if (vectorWeights.Contains(module))
            {
                float expected = t.Name.EndsWith(".weight", StringComparison.Ordinal) ? 1f : 0f;
                Assert.That(v, Has.All.EqualTo(expected), t.Name);
            }
            else
            {
                biasSumSq += v.Sum(x => (double)x * x);
                biasCount += v.Length;
            }
        }

        Assert.That(Math.Sqrt(biasSumSq / biasCount), Is.EqualTo(SyntheticCheckpoint.BiasStd).Within(0.001));
        Assert.That(biasCount, Is.GreaterThan(10_000));
    }

    [Test]
    public void Write_Tiny_ReferenceForwardKeepsActivationsFiniteAndAlive()
    {
        // The naive reference models run on the written weights: every component must give finite, non-degenerate
        // outputs that still depend on their conditioning (no dead cross-attention or time embedding).
        using IWeightSource source = WeightFile.Open(_tiny);
        var weights = new ReferenceWeights(key =>
            (source.ReadFloat32(key), Array.ConvertAll(source.GetInfo(key).Shape, d => (int)d)));
        Sd15Config config = Sd15Config.Tiny;

        RefClipOutput clip = RefClipText.Forward(weights, config.TextEncoder, [[49406, 320, 1125, 539, 49407]]);
        RefTensor stream = clip.HiddenStates[^1];                  // residual stream before the final LayerNorm
        AssertAlive(stream, "CLIP last layer", 0.5, 50);
        int w = config.TextEncoder.Width;
        Assert.That(stream.Data[(3 * w)..(4 * w)], Is.Not.EqualTo(stream.Data[(4 * w)..(5 * w)]), "tokens differ");

        RefTensor context = clip.LastHiddenState;
        RefTensor other = RefTensor.FromFloat(Array.ConvertAll(context.Data, v => (float)-v), context.Shape);
        RefTensor sample = RefTensor.FromFloat(SyntheticCheckpoint.Generate("sample", [1, 4, 8, 8],
            SyntheticInit.FanInNormal, 1), 1, 4, 8, 8);         // fan_in 256: scale up to unit variance below
        sample = new RefTensor(sample.Shape, Array.ConvertAll(sample.Data, v => v * 16));
        RefTensor eps = RefUNet.Forward(weights, config.UNet, sample, [500], context);
        AssertAlive(eps, "UNet output", 0.1, 10);
        RefTensor epsOtherContext = RefUNet.Forward(weights, config.UNet, sample, [500], other);
        RefTensor epsOtherTime = RefUNet.Forward(weights, config.UNet, sample, [20], context);
        Assert.That(MaxAbsDiff(eps, epsOtherContext), Is.GreaterThan(1e-3), "UNet output depends on the context");
        Assert.That(MaxAbsDiff(eps, epsOtherTime), Is.GreaterThan(1e-3), "UNet output depends on the timestep");

        RefTensor image = new(new[] { 1, 3, 16, 16 },
            Enumerable.Range(0, 768).Select(i => Math.Sin(i * 0.37) * 0.8).ToArray());
        RefTensor latent = RefVae.EncodeMean(weights, config.Vae, image);
        AssertAlive(latent, "VAE posterior mean", 0.1, 10);
        AssertAlive(RefVae.Decode(weights, config.Vae, latent), "VAE decoded image", 0.1, 10);
    }

    [Test]
    public void Write_SameSeedTwice_ByteIdentical_DifferentSeed_Differs()
    {
        string a = _dir.File("a.safetensors"), b = _dir.File("b.safetensors"), c = _dir.File("c.safetensors");
        SyntheticCheckpoint.Write(a, new SyntheticOptions { Config = s_micro, Seed = 9 });
        SyntheticCheckpoint.Write(b, new SyntheticOptions { Config = s_micro, Seed = 9 });
        SyntheticCheckpoint.Write(c, new SyntheticOptions { Config = s_micro, Seed = 10 });
        Assert.That(File.ReadAllBytes(b).AsSpan().SequenceEqual(File.ReadAllBytes(a)), Is.True, "same seed");

        using IWeightSource sa = WeightFile.Open(a);
        using IWeightSource sc = WeightFile.Open(c);
        foreach (TensorInfo t in sa.Tensors)
        {
            bool random = t.Shape.Length >= 2 && t.Name != Sd15Layout.PositionIdsKey;
            bool same = sa.GetBytes(t.Name).SequenceEqual(sc.GetBytes(t.Name));
            Assert.That(same, Is.EqualTo(!random && !IsBias(sa, t)), t.Name);
        }
    }

    [Test]
    public void Write_Diffusers_SameWeightsAsLdmAndValidates()
    {
        string ldm = _dir.File("micro.safetensors");
        string folder = _dir.File("micro-diffusers");
        Sd15Config inpaint = s_micro with { UNet = s_micro.UNet with { InChannels = 9 } };
        var options = new SyntheticOptions { Config = inpaint, Seed = 3 };
        SyntheticCheckpoint.Write(ldm, options);
        SyntheticSummary summary =
            SyntheticCheckpoint.Write(folder, options with { Layout = CheckpointLayout.Diffusers });

        using IWeightSource l = WeightFile.Open(ldm);
        using IWeightSource d = WeightFile.Open(folder);
        Assert.That(d.Tensors, Has.Count.EqualTo(l.Tensors.Count));
        int reshaped = 0;
        foreach (TensorInfo t in l.Tensors)
        {
            string name = Sd15DiffusersKeyMap.ToDiffusers(t.Name);
            TensorInfo dt = d.GetInfo(name);
            Assert.That(d.GetBytes(name).SequenceEqual(l.GetBytes(t.Name)), Is.True, name);
            Assert.That(dt.DType, Is.EqualTo(t.DType), name);
            reshaped += dt.Shape.SequenceEqual(t.Shape) ? 0 : 1;
        }

        Assert.That(reshaped, Is.EqualTo(8));
        Assert.That(Sd15Family.Instance.Matches(d), Is.True);
        Assert.That(() => Sd15Family.Validate(d, options.Config), Throws.Nothing);
        Assert.That(summary.Bytes, Is.EqualTo(new[] { "unet/diffusion_pytorch_model.safetensors",
            "text_encoder/model.safetensors", "vae/diffusion_pytorch_model.safetensors" }
            .Sum(f => new FileInfo(Path.Combine(folder, f)).Length)));

        using JsonDocument unet = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "unet", "config.json")));
        Assert.That(unet.RootElement.GetProperty("in_channels").GetInt32(), Is.EqualTo(9));
        Assert.That(unet.RootElement.GetProperty("block_out_channels").EnumerateArray().Select(e => e.GetInt32()),
            Is.EqualTo(new[] { 8, 16, 24, 24 }));
        using JsonDocument index = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "model_index.json")));
        Assert.That(index.RootElement.GetProperty("_class_name").GetString(), Is.EqualTo("StableDiffusionPipeline"));
    }

    private static void AssertAlive(RefTensor t, string what, double minStd, double maxStd)
    {
        Assert.That(t.Data, Has.All.Matches<double>(double.IsFinite), what);
        double mean = t.Data.Average();
        double std = Math.Sqrt(t.Data.Sum(v => (v - mean) * (v - mean)) / t.Length);
        TestContext.Out.WriteLine($"{what}: std {std:G4}, mean {mean:G4}");
        Assert.That(std, Is.InRange(minStd, maxStd), $"{what}: standard deviation");
    }

    private static double MaxAbsDiff(RefTensor a, RefTensor b) =>
        a.Data.Zip(b.Data).Max(p => Math.Abs(p.First - p.Second));

    private static bool IsBias(IWeightSource source, TensorInfo t) =>
        t.Shape.Length == 1 && t.Name.EndsWith(".bias", StringComparison.Ordinal) &&
        !(source.TryGetInfo(t.Name[..^5] + ".weight", out TensorInfo w) && w.Shape.Length == 1);

    private static (double Mean, double Std) Moments(float[] v)
    {
        double sum = 0, sumSq = 0;
        foreach (float x in v)
        {
            sum += x;
            sumSq += (double)x * x;
        }

        double mean = sum / v.Length;
        return (mean, Math.Sqrt(Math.Max(sumSq / v.Length - (mean * mean), 0)));
    }
}
