using OnnxDiffusion.Models.Blocks;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Tests.Reference;
using OnnxDiffusion.Models.Tests.Support;
using OnnxDiffusion.TestSupport.Reference;

namespace OnnxDiffusion.Models.Tests.Blocks;

/// <summary>
/// CLIP text and AutoencoderKL blocks built with the Graph DSL, run on ORT CPU with seeded random weights, equal
/// the independent float64 reference to 1e-4 relative to the output's max magnitude.
/// </summary>
[Category("Integration")]
public sealed class ClipVaeBlocksTests
{
    private static readonly ClipTextConfig s_clip = new() { Width = 16, Layers = 1, Heads = 4, MlpWidth = 40 };

    private static RefTensor Random(int seed, params int[] shape) => RefOpsTests.RandomTensor(new Random(seed), shape);

    [Test]
    public void ClipTextEmbeddings_RandomWeights_MatchesReference()
    {
        var bank = new RandomWeightBank(31);
        ClipTextConfig config = s_clip with { VocabSize = 50, MaxPositions = 9 };
        long[][] ids = [[49 - 1, 3, 7, 0, 49], [1, 2, 3, 4, 5]];
        var h = new GraphHarness();
        h.Output(ClipTextEmbeddings.Build(h.B, "embeddings", h.Ids("ids", ids), 50, 9, 16), "y");

        var actual = h.Run(bank)["y"];

        RefTensor expected = RefClipText.Embeddings(ReferenceWeights.FromBank(bank), config, ids, "");
        ReferenceAssert.Close(actual.Data, actual.Shape, expected, "ClipTextEmbeddings");
    }

    [TestCase("quick_gelu")]
    [TestCase("gelu")]
    public void ClipTextLayer_RandomWeights_MatchesReference(string activation)
    {
        var bank = new RandomWeightBank(32);
        ClipTextConfig config = s_clip with { Activation = activation };
        RefTensor x = Random(12, 2, 7, 16);
        var h = new GraphHarness();
        h.Output(ClipTextLayer.Build(h.B, "layer", h.Input("x", x), 4, 40, activation, 1e-5f), "y");

        var actual = h.Run(bank)["y"];

        RefTensor expected = RefClipText.Layer(ReferenceWeights.FromBank(bank), config, "layer.", x);
        ReferenceAssert.Close(actual.Data, actual.Shape, expected, $"ClipTextLayer {activation}");
    }

    [TestCase(8, 16, 1.0)]
    [TestCase(16, 16, 1.0)]
    [TestCase(16, 16, 1e-3)]
    public void VaeResBlock_RandomWeights_MatchesReference(int inChannels, int outChannels, double scale)
    {
        var bank = new RandomWeightBank(33);
        RefTensor x = UNetBlocksTests.Scaled(Random(13, 2, inChannels, 5, 3), scale);
        var h = new GraphHarness();
        h.Output(VaeResBlock.Build(h.B, "blk", h.Input("x", x), outChannels, 4), "y");

        var actual = h.Run(bank)["y"];

        RefTensor expected = RefVae.ResnetBlock(ReferenceWeights.FromBank(bank), "blk.", x, outChannels, 4);
        ReferenceAssert.Close(actual.Data, actual.Shape, expected, "VaeResBlock");
    }

    [Test]
    public void VaeAttention_RandomWeights_MatchesReference()
    {
        var bank = new RandomWeightBank(34);
        RefTensor x = Random(14, 2, 16, 5, 3);
        var h = new GraphHarness();
        h.Output(VaeAttention.Build(h.B, "attn_1", h.Input("x", x, "batch", 16, "height", "width"), 4), "y");

        var actual = h.Run(bank)["y"];

        RefTensor expected = RefVae.AttnBlock(ReferenceWeights.FromBank(bank), "attn_1.", x, 4);
        ReferenceAssert.Close(actual.Data, actual.Shape, expected, "VaeAttention");
    }

    [TestCase(6, 4)]
    [TestCase(5, 7)]
    public void VaeDownsample_RandomWeights_MatchesReference(int height, int width)
    {
        var bank = new RandomWeightBank(35);
        RefTensor x = Random(15, 2, 8, height, width);
        var h = new GraphHarness();
        h.Output(VaeDownsample.Build(h.B, "downsample", h.Input("x", x)), "y");

        var actual = h.Run(bank)["y"];

        RefTensor expected = RefVae.Downsample(ReferenceWeights.FromBank(bank), "downsample.", x);
        ReferenceAssert.Close(actual.Data, actual.Shape, expected, "VaeDownsample");
    }
}
