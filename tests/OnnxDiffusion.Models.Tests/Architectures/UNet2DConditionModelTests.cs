using OnnxDiffusion.Graph;
using OnnxDiffusion.Models.Architectures;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Tests.Reference;
using OnnxDiffusion.Models.Tests.Support;
using OnnxDiffusion.TestSupport.Reference;

namespace OnnxDiffusion.Models.Tests.Architectures;

/// <summary>
/// The tiny SD1.5 UNet (4 levels, 32…128 channels, all 686 tensors) on ORT CPU equals the naive reference with
/// seeded random weights, and reads exactly the weights the reference reads.
/// </summary>
[Category("Integration")]
public sealed class UNet2DConditionModelTests
{
    private static readonly UNetConfig s_config = Sd15Config.Tiny.UNet;

    [Test]
    public void Forward_TinyConfigBatch2_MatchesReference()
    {
        RefTensor sample = RefOpsTests.RandomTensor(new Random(51), 2, 4, 16, 8);
        RefTensor context = RefOpsTests.RandomTensor(new Random(52), 2, 77, s_config.ContextDim);
        Compare(s_config, new UNetModelOptions(), sample, [981, 13.5], context, "out_sample (MHA at level 0)");
    }

    [Test]
    public void Forward_Attention23Everywhere_MatchesReference()
    {
        RefTensor sample = RefOpsTests.RandomTensor(new Random(53), 1, 4, 8, 8);
        RefTensor context = RefOpsTests.RandomTensor(new Random(54), 1, 154, s_config.ContextDim);
        var options = new UNetModelOptions { MultiHeadAttentionAtLevel0 = false };
        Compare(s_config, options, sample, [500], context, "out_sample (Attention-23 only, 154 tokens)");
    }

    [Test]
    public void Forward_InpaintingSingleTimestepForBatch2_BroadcastsTimestepAndMatchesReference()
    {
        UNetConfig config = s_config with { InChannels = 9 };
        RefTensor sample = RefOpsTests.RandomTensor(new Random(55), 2, 9, 8, 8);
        RefTensor context = RefOpsTests.RandomTensor(new Random(56), 2, 77, config.ContextDim);
        var bank = new RandomWeightBank(57);
        var feeds = Feeds(sample, [700], context);

        var actual = GraphHarness.RunModel(UNet2DConditionModel.Define(config), bank, feeds, OnnxIoNames.OutSample);

        RefTensor expected = RefUNet.Forward(ReferenceWeights.FromBank(bank), config, sample, [700, 700], context);
        (float[] data, long[] shape) = actual[OnnxIoNames.OutSample];
        ReferenceAssert.Close(data, shape, expected, "inpainting out_sample");
    }

    [Test]
    public void Forward_LinearProjectionsDepth2_MatchesReference()
    {
        UNetConfig config = s_config with
        {
            ChannelMult = [1, 2], AttentionLevels = [true, true], UseLinearProjection = true, TransformerDepth = 2,
            Heads = 4, ResBlocksPerLevel = 1,
        };
        RefTensor sample = RefOpsTests.RandomTensor(new Random(58), 1, 4, 4, 6);
        RefTensor context = RefOpsTests.RandomTensor(new Random(59), 1, 5, config.ContextDim);
        Compare(config, new UNetModelOptions(), sample, [250], context, "out_sample (SD2-style transformer)");
    }

    private static void Compare(UNetConfig config, UNetModelOptions options, RefTensor sample, double[] timesteps,
        RefTensor context, string what)
    {
        var bank = new RandomWeightBank(50);
        GraphBuilder b = UNet2DConditionModel.Define(config, options);

        var actual = GraphHarness.RunModel(b, bank, Feeds(sample, timesteps, context), OnnxIoNames.OutSample);

        int declared = bank.Tensors.Count;
        RefTensor expected = RefUNet.Forward(ReferenceWeights.FromBank(bank), config, sample, timesteps, context);
        Assert.That(bank.Tensors, Has.Count.EqualTo(declared), "the reference read weights the graph does not have");
        (float[] data, long[] shape) = actual[OnnxIoNames.OutSample];
        ReferenceAssert.Close(data, shape, expected, what);
    }

    private static Dictionary<string, (Array Data, long[] Shape)> Feeds(RefTensor sample, double[] timesteps,
        RefTensor context) => new()
    {
        [OnnxIoNames.Sample] = (sample.ToFloat(), Long(sample.Shape)),
        [OnnxIoNames.Timestep] = (Array.ConvertAll(timesteps, t => (float)t), [timesteps.Length]),
        [OnnxIoNames.EncoderHiddenStates] = (context.ToFloat(), Long(context.Shape)),
    };

    private static long[] Long(int[] shape) => Array.ConvertAll(shape, d => (long)d);
}
