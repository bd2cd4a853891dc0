using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Ops;
using OnnxDiffusion.Models.Blocks;
using OnnxDiffusion.Models.Tests.Reference;
using OnnxDiffusion.Models.Tests.Support;
using OnnxDiffusion.TestSupport.Reference;

namespace OnnxDiffusion.Models.Tests.Blocks;

/// <summary>
/// Each UNet block built with the Graph DSL, run on ORT CPU with seeded random weights, equals the independent
/// float64 reference (RefUNetBlocks) to 1e-4 relative to the output's max magnitude. Non-square spatial sizes
/// and batch 2 catch transposition and batching mistakes.
/// </summary>
[Category("Integration")]
public sealed class UNetBlocksTests
{
    private static AttentionKind Kind(bool mha) =>
        mha ? AttentionKind.MultiHeadAttention : AttentionKind.Attention23;

    internal static RefTensor Scaled(RefTensor x, double scale)
    {
        for (int i = 0; i < x.Length; i++)
        {
            x.Data[i] *= scale;
        }

        return x;
    }

    private static RefTensor Random(int seed, params int[] shape) => RefOpsTests.RandomTensor(new Random(seed), shape);

    /// <summary>A small input scale makes the GroupNorm epsilon (1e-5 here) visible in the output.</summary>
    [TestCase(8, 16, 1.0)]
    [TestCase(16, 16, 1.0)]
    [TestCase(16, 16, 1e-3)]
    public void ResBlock_RandomWeights_MatchesReference(int inChannels, int outChannels, double scale)
    {
        var bank = new RandomWeightBank(21);
        RefTensor x = Scaled(Random(1, 2, inChannels, 4, 6), scale), emb = Random(2, 2, 12);
        var h = new GraphHarness();
        Value embSilu = h.B.Silu(h.Input("emb", emb));
        h.Output(ResBlock.Build(h.B, "blk", h.Input("x", x), embSilu, outChannels, 4), "y");

        var actual = h.Run(bank)["y"];

        RefTensor expected = RefUNetBlocks.ResBlock(ReferenceWeights.FromBank(bank), "blk.", x, emb, outChannels, 4);
        ReferenceAssert.Close(actual.Data, actual.Shape, expected, "ResBlock");
    }

    [TestCase(false, true)]
    [TestCase(false, false)]
    [TestCase(true, true)]
    public void CrossAttention_RandomWeights_MatchesReference(bool mha, bool self)
    {
        AttentionKind kind = Kind(mha);
        var bank = new RandomWeightBank(22);
        RefTensor x = Random(3, 2, 24, 16), context = self ? x : Random(4, 2, 5, 12);
        var h = new GraphHarness();
        Value xv = h.Input("x", x);
        Value? cv = self ? null : h.Input("context", context);
        h.Output(CrossAttention.Build(h.B, "attn", xv, cv, 2, kind), "y");

        var actual = h.Run(bank)["y"];

        RefTensor expected = RefUNetBlocks.CrossAttention(ReferenceWeights.FromBank(bank), "attn.", x,
            self ? null : context, 2);
        ReferenceAssert.Close(actual.Data, actual.Shape, expected, $"CrossAttention {kind}");
    }

    [Test]
    public void FeedForward_RandomWeights_MatchesReference()
    {
        var bank = new RandomWeightBank(23);
        RefTensor x = Random(5, 2, 7, 16);
        var h = new GraphHarness();
        h.Output(FeedForward.Build(h.B, "ff", h.Input("x", x)), "y");

        var actual = h.Run(bank)["y"];

        RefTensor expected = RefUNetBlocks.FeedForward(ReferenceWeights.FromBank(bank), "ff.", x);
        ReferenceAssert.Close(actual.Data, actual.Shape, expected, "FeedForward");
    }

    [Test]
    public void BasicTransformerBlock_RandomWeights_MatchesReference()
    {
        var bank = new RandomWeightBank(24);
        RefTensor x = Random(6, 2, 24, 16), context = Random(7, 2, 5, 12);
        var h = new GraphHarness();
        h.Output(BasicTransformerBlock.Build(h.B, "tb", h.Input("x", x), h.Input("context", context), 2,
            AttentionKind.Attention23), "y");

        var actual = h.Run(bank)["y"];

        RefTensor expected = RefUNetBlocks.TransformerBlock(ReferenceWeights.FromBank(bank), "tb.", x, context, 2);
        ReferenceAssert.Close(actual.Data, actual.Shape, expected, "BasicTransformerBlock");
    }

    [TestCase(false, false, 1, 1.0)]
    [TestCase(false, true, 1, 1.0)]
    [TestCase(true, false, 2, 1.0)]
    [TestCase(false, false, 1, 1e-3)]
    public void SpatialTransformer_RandomWeights_MatchesReference(bool linear, bool mha, int depth, double scale)
    {
        AttentionKind kind = Kind(mha);
        var bank = new RandomWeightBank(25);
        RefTensor x = Scaled(Random(8, 2, 16, 4, 6), scale), context = Random(9, 2, 5, 12);
        var h = new GraphHarness();
        var options = new SpatialTransformerOptions(2, depth, 4, linear, kind);
        h.Output(SpatialTransformer.Build(h.B, "st", h.Input("x", x), h.Input("context", context), options), "y");

        var actual = h.Run(bank)["y"];

        var spec = new SpatialTransformerSpec(2, depth, 4, linear);
        RefTensor expected = RefUNetBlocks.SpatialTransformer(ReferenceWeights.FromBank(bank), "st.", x, context, spec);
        ReferenceAssert.Close(actual.Data, actual.Shape, expected, $"SpatialTransformer linear={linear} {kind}");
    }

    [Test]
    public void Downsample_RandomWeights_MatchesReference()
    {
        var bank = new RandomWeightBank(26);
        RefTensor x = Random(10, 2, 8, 6, 4);
        var h = new GraphHarness();
        h.Output(Downsample.Build(h.B, "down", h.Input("x", x)), "y");

        var actual = h.Run(bank)["y"];

        RefTensor expected = RefUNetBlocks.Downsample(ReferenceWeights.FromBank(bank), "down.", x);
        ReferenceAssert.Close(actual.Data, actual.Shape, expected, "Downsample");
    }

    [Test]
    public void Upsample_RandomWeights_MatchesReference()
    {
        var bank = new RandomWeightBank(27);
        RefTensor x = Random(11, 2, 8, 3, 2);
        var h = new GraphHarness();
        h.Output(Upsample.Build(h.B, "up", h.Input("x", x, "batch", 8, "height", "width")), "y");

        var actual = h.Run(bank)["y"];

        RefTensor expected = RefUNetBlocks.Upsample(ReferenceWeights.FromBank(bank), "up.", x);
        ReferenceAssert.Close(actual.Data, actual.Shape, expected, "Upsample");
    }

    [Test]
    public void TimestepEmbedding_RandomWeights_MatchesReference()
    {
        var bank = new RandomWeightBank(28);
        double[] steps = [999, 500.5, 1, 0];
        var t = new RefTensor([4], steps);
        var h = new GraphHarness();
        Value sinusoid = TimestepEmbedding.Sinusoid(h.B, h.Input("t", t), 32);
        h.Output(sinusoid, "sinusoid");
        h.Output(TimestepEmbedding.Mlp(h.B, "time_embed", sinusoid, 128), "emb");

        var actual = h.Run(bank);

        RefTensor features = RefUNetBlocks.TimestepEmbedding(steps, 32);
        ReferenceAssert.Close(actual["sinusoid"].Data, actual["sinusoid"].Shape, features, "sinusoid");
        RefTensor expected = RefUNetBlocks.TimeEmbed(ReferenceWeights.FromBank(bank), "time_embed.", features, 128);
        ReferenceAssert.Close(actual["emb"].Data, actual["emb"].Shape, expected, "time_embed");
    }
}
