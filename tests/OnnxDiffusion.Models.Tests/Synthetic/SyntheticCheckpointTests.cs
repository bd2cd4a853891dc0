using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Layouts;
using OnnxDiffusion.Models.Synthetic;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Models.Tests.Synthetic;

[Category("Unit")]
public sealed class SyntheticCheckpointTests
{
    [Test]
    public void Generate_SmallTensor_MatchesIndependentReference()
    {
        // Values from a separate Python implementation of the documented procedure (FNV-1a name hash, SplitMix64
        // seeding, xoshiro256**, polar method, series logarithm), seed 42, "test.weight" [3, 5], std 1/√5.
        uint[] expectedBits =
        [
            0xbf1ec3d5, 0x3e87a73e, 0x3f9e1d79, 0xbedadee3, 0x3f26fa09, 0x3f111bb4, 0x3f035105, 0x3f79844b,
            0xbe8b5b1c, 0x3e693454, 0x3e60af8a, 0x3ebe84cf, 0x3efec6cf, 0x3f315306, 0xbeb98458,
        ];
        float[] values = SyntheticCheckpoint.Generate("test.weight", [3, 5], SyntheticInit.FanInNormal, 42);
        Assert.That(values.Select(BitConverter.SingleToUInt32Bits), Is.EqualTo(expectedBits));
    }

    [Test]
    public void Generate_AnySlice_EqualsTheSameRangeOfTheWholeTensor()
    {
        const int Count = (2 * 65536) + 1000;   // spans three generator blocks
        float[] whole = SyntheticCheckpoint.Generate("x.weight", [Count, 3], SyntheticInit.FanInNormal, 5);
        var slice = new float[70_001];
        SyntheticTensorGenerator.Fill(5, "x.weight", SyntheticInit.FanInNormal, 3, 65_000, slice);
        Assert.That(slice, Is.EqualTo(whole.AsSpan(65_000, slice.Length).ToArray()));
    }

    [Test]
    public void Generate_DifferentNameOrSeed_GivesDifferentValues()
    {
        float[] a = SyntheticCheckpoint.Generate("a.weight", [64, 8], SyntheticInit.FanInNormal, 1);
        float[] b = SyntheticCheckpoint.Generate("b.weight", [64, 8], SyntheticInit.FanInNormal, 1);
        float[] c = SyntheticCheckpoint.Generate("a.weight", [64, 8], SyntheticInit.FanInNormal, 2);
        Assert.That(a.Zip(b).Count(p => p.First == p.Second), Is.LessThan(3));
        Assert.That(a.Zip(c).Count(p => p.First == p.Second), Is.LessThan(3));
    }

    [Test]
    public void Plan_Full_ClassifiesEveryTensorByStructure()
    {
        var plan = SyntheticCheckpoint.Plan(Sd15Config.Full);
        var byName = plan.ToDictionary(t => t.Name, t => t.Init);
        Assert.That(byName[Sd15Layout.PositionIdsKey], Is.EqualTo(SyntheticInit.PositionIds));
        const string U = "model.diffusion_model.";
        Assert.That(byName[U + "input_blocks.1.0.in_layers.0.weight"], Is.EqualTo(SyntheticInit.Ones));
        Assert.That(byName[U + "input_blocks.1.0.in_layers.0.bias"], Is.EqualTo(SyntheticInit.Zeros));
        Assert.That(byName[U + "input_blocks.1.0.in_layers.2.bias"], Is.EqualTo(SyntheticInit.SmallNormal));
        Assert.That(byName["first_stage_model.decoder.mid.attn_1.norm.bias"], Is.EqualTo(SyntheticInit.Zeros));
        Assert.That(byName["cond_stage_model.transformer.text_model.final_layer_norm.weight"],
            Is.EqualTo(SyntheticInit.Ones));
        Assert.That(byName["model.diffusion_model.out.2.weight"], Is.EqualTo(SyntheticInit.FanInNormal));
        Assert.That(byName["cond_stage_model.transformer.text_model.embeddings.token_embedding.weight"],
            Is.EqualTo(SyntheticInit.FanInNormal));
        // Every vector weight is a norm scale (ones) and its bias a shift (zeros): counted independently.
        int vectorWeights =
            plan.Count(t => t.Shape.Length == 1 && t.Name.EndsWith(".weight", StringComparison.Ordinal));
        Assert.That(plan.Count(t => t.Init == SyntheticInit.Ones), Is.EqualTo(vectorWeights));
        Assert.That(plan.Count(t => t.Init == SyntheticInit.Zeros), Is.EqualTo(vectorWeights));
        Assert.That(plan.Count(t => t.Init == SyntheticInit.FanInNormal),
            Is.EqualTo(plan.Count(t => t.Shape.Length >= 2) - 1));
    }

    [Test]
    public void Tensors_Full_IndexMatchesPublishedTableWithoutGeneratingData()
    {
        IReadOnlyList<LayoutTable.Row> table = LayoutTable.ReadOrIgnore("sd15-ldm-keys.tsv");
        IReadOnlyList<TensorToWrite> tensors = SyntheticCheckpoint.Tensors(Sd15Config.Full, DType.F16, 0);
        Assert.That(tensors.Select(t => $"{t.Name} [{string.Join(",", t.Shape)}] {t.DType}"),
            Is.EquivalentTo(table.Select(r => $"{r.Name} [{string.Join(",", r.Shape)}] " +
                                              (r.DType == DType.I64 ? "I64" : "F16"))));
        Assert.That(tensors.Sum(t => t.ByteLength), Is.EqualTo((2 * 1_066_235_307L) + (77 * 8)));
    }

    [Test]
    public void Tensors_UnsupportedDType_Throws()
    {
        Assert.That(() => SyntheticCheckpoint.Tensors(Sd15Config.Tiny, DType.BF16, 0), Throws.ArgumentException);
    }
}
