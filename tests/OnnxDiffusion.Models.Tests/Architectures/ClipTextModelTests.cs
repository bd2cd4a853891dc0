using OnnxDiffusion.Graph;
using OnnxDiffusion.Models.Architectures;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Tests.Support;
using OnnxDiffusion.TestSupport.Reference;

namespace OnnxDiffusion.Models.Tests.Architectures;

/// <summary>
/// The tiny SD1.5 text encoder (12 layers, width 48, real vocabulary) on ORT CPU equals the naive reference for
/// every output, with seeded random weights and real-looking token rows (BOS, words, EOS padding).
/// </summary>
[Category("Integration")]
public sealed class ClipTextModelTests
{
    private static readonly ClipTextConfig s_config = Sd15Config.Tiny.TextEncoder;

    [TestCase(77)]
    [TestCase(9)]
    public void AllOutputs_TinyConfig_MatchReference(int length)
    {
        var bank = new RandomWeightBank(41);
        long[][] ids = [Row(length, 320, 1125, 539, 2368), Row(length, 1929)];
        GraphBuilder b = ClipTextModel.Define(s_config);
        string[] names =
        [
            OnnxIoNames.LastHiddenState, OnnxIoNames.PoolerOutput,
            .. Enumerable.Range(0, s_config.Layers + 1).Select(OnnxIoNames.HiddenStates),
        ];

        var actual = GraphHarness.RunModel(b, bank, Feeds(ids), names);

        RefClipOutput expected = RefClipText.Forward(ReferenceWeights.FromBank(bank), s_config, ids);
        Check(actual, OnnxIoNames.LastHiddenState, expected.LastHiddenState);
        Check(actual, OnnxIoNames.PoolerOutput, expected.PooledOutput);
        for (int i = 0; i <= s_config.Layers; i++)
        {
            Check(actual, OnnxIoNames.HiddenStates(i), expected.HiddenStates[i]);
        }
    }

    [Test]
    public void ClipSkip2_TinyConfig_LastHiddenStateIsNormedPenultimateLayer()
    {
        var bank = new RandomWeightBank(42);
        long[][] ids = [Row(12, 320, 1125)];
        GraphBuilder b = ClipTextModel.Define(s_config, new ClipTextModelOptions { ClipSkip = 2 });

        var actual = GraphHarness.RunModel(b, bank, Feeds(ids), OnnxIoNames.LastHiddenState, OnnxIoNames.PoolerOutput);

        ReferenceWeights weights = ReferenceWeights.FromBank(bank);
        RefClipOutput expected = RefClipText.Forward(weights, s_config, ids);
        string norm = RefClipText.Prefix + "final_layer_norm.";
        RefTensor skipped = RefOps.LayerNorm(expected.HiddenStates[s_config.Layers - 1],
            weights.Get(norm + "weight", s_config.Width), weights.Get(norm + "bias", s_config.Width), 1e-5);
        Check(actual, OnnxIoNames.LastHiddenState, skipped);
        Check(actual, OnnxIoNames.PoolerOutput, expected.PooledOutput);
    }

    [Test]
    public void Define_WithoutHiddenStates_HasOnlyTheTwoStandardOutputs()
    {
        GraphBuilder b = ClipTextModel.Define(s_config, new ClipTextModelOptions { HiddenStatesOutputs = false });
        OnnxModel model = b.Build(new Graph.Initializers.SeededRandomInitializerSource(1));
        Assert.That(model.Proto.Graph.Output.Select(o => o.Name),
            Is.EqualTo(new[] { OnnxIoNames.LastHiddenState, OnnxIoNames.PoolerOutput }));
    }

    private static void Check(Dictionary<string, (float[] Data, long[] Shape)> actual, string name,
        RefTensor expected) => ReferenceAssert.Close(actual[name].Data, actual[name].Shape, expected, name);

    private static Dictionary<string, (Array Data, long[] Shape)> Feeds(long[][] ids) => new()
    {
        [OnnxIoNames.InputIds] = (ids.SelectMany(r => r).ToArray(), [ids.Length, ids[0].Length]),
    };

    /// <summary>BOS, the words, then EOS (49407) to the end: the SD1 padding scheme.</summary>
    private static long[] Row(int length, params long[] words)
    {
        long[] row = new long[length];
        Array.Fill(row, 49407);
        row[0] = 49406;
        words.CopyTo(row, 1);
        return row;
    }
}
