using OnnxDiffusion.Models.Architectures;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Tests.Reference;
using OnnxDiffusion.Models.Tests.Support;
using OnnxDiffusion.TestSupport.Reference;

namespace OnnxDiffusion.Models.Tests.Architectures;

/// <summary>
/// The tiny SD1.5 AutoencoderKL encoder (posterior mean) and decoder on ORT CPU equal the naive reference with
/// seeded random weights, on a non-square image.
/// </summary>
[Category("Integration")]
public sealed class AutoencoderKlTests
{
    private static readonly VaeConfig s_config = Sd15Config.Tiny.Vae;

    [Test]
    public void Encoder_TinyConfig_MatchesReferencePosteriorMean()
    {
        var bank = new RandomWeightBank(61);
        RefTensor image = RefOpsTests.RandomTensor(new Random(62), 2, 3, 32, 16);
        var feeds = new Dictionary<string, (Array Data, long[] Shape)>
        {
            [OnnxIoNames.Sample] = (image.ToFloat(), [2, 3, 32, 16]),
        };

        var actual = GraphHarness.RunModel(AutoencoderKlEncoder.Define(s_config), bank, feeds,
            OnnxIoNames.LatentSample);

        RefTensor expected = RefVae.EncodeMean(ReferenceWeights.FromBank(bank), s_config, image);
        (float[] data, long[] shape) = actual[OnnxIoNames.LatentSample];
        ReferenceAssert.Close(data, shape, expected, "latent_sample");
    }

    [Test]
    public void Decoder_TinyConfig_MatchesReference()
    {
        var bank = new RandomWeightBank(63);
        RefTensor latent = RefOpsTests.RandomTensor(new Random(64), 1, 4, 3, 5);
        var feeds = new Dictionary<string, (Array Data, long[] Shape)>
        {
            [OnnxIoNames.LatentSample] = (latent.ToFloat(), [1, 4, 3, 5]),
        };

        var actual = GraphHarness.RunModel(AutoencoderKlDecoder.Define(s_config), bank, feeds, OnnxIoNames.Sample);

        RefTensor expected = RefVae.Decode(ReferenceWeights.FromBank(bank), s_config, latent);
        (float[] data, long[] shape) = actual[OnnxIoNames.Sample];
        ReferenceAssert.Close(data, shape, expected, "sample");
    }
}
