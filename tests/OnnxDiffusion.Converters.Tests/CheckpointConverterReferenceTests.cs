using OnnxDiffusion.Converters.Tests.Support;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Models.Architectures;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.TestSupport;
using OnnxDiffusion.TestSupport.Reference;

namespace OnnxDiffusion.Converters.Tests;

/// <summary>
/// The whole converter path (weights streamed from the file, fp16 → fp32 widening, key mapping, graph wiring):
/// a tiny fp16 checkpoint converted end to end, each component run on ORT CPU, equals the naive float64 reference
/// (tests/TestSupport/Reference) given the same weights, on fixed random inputs, to 1e-4 relative.
/// </summary>
[Category("Integration")]
public sealed class CheckpointConverterReferenceTests
{
    private TempDir _dir = null!;
    private TinyCheckpoint _weights = null!;
    private PackageLayout _package = null!;

    private Sd15Config Config => _weights.Config;

    [OneTimeSetUp]
    public void ConvertTinyFp16Checkpoint()
    {
        _dir = new TempDir("convert-reference");
        _weights = TinyCheckpoint.Create(Sd15Config.Tiny, seed: 21, DType.F16);
        string source = _weights.WriteSafetensors(_dir.File("tiny-fp16.safetensors"));
        string output = _dir.File("package");
        Packages.Convert(source, output, Packages.WriteTokenizer(_dir.File("tokenizer")));
        _package = PackageLayout.Open(output);
    }

    [OneTimeTearDown]
    public void DeleteFiles() => _dir.Dispose();

    [Test]
    public void TextEncoder_Converted_MatchesReferenceOnEveryOutput()
    {
        long[][] ids = [Row(77, 320, 1125, 539, 2368), Row(77, 1929, 4000)];
        string model = _package.ModelPath(PackageLayout.TextEncoder);
        string[] outputs = OrtModel.OutputNames(model);
        var feeds = new Dictionary<string, (Array Data, long[] Shape)>
        {
            [OnnxIoNames.InputIds] = (ids.SelectMany(r => r).ToArray(), [ids.Length, ids[0].Length]),
        };

        var actual = OrtModel.Run(model, feeds, outputs);

        RefClipOutput expected = RefClipText.Forward(_weights.Reference, Config.TextEncoder, ids);
        Assert.That(outputs, Does.Contain(OnnxIoNames.LastHiddenState).And.Contain(OnnxIoNames.PoolerOutput));
        Check(actual, OnnxIoNames.LastHiddenState, expected.LastHiddenState);
        Check(actual, OnnxIoNames.PoolerOutput, expected.PooledOutput);
        for (int i = 0; i <= Config.TextEncoder.Layers; i++)
        {
            if (outputs.Contains(OnnxIoNames.HiddenStates(i)))
            {
                Check(actual, OnnxIoNames.HiddenStates(i), expected.HiddenStates[i]);
            }
        }
    }

    [Test]
    public void UNet_Converted_MatchesReference()
    {
        UNetConfig config = Config.UNet;
        RefTensor sample = RandomTensor(31, 2, config.InChannels, 16, 8);
        RefTensor context = RandomTensor(32, 2, 77, config.ContextDim);
        double[] timesteps = [981, 13.5];
        var feeds = new Dictionary<string, (Array Data, long[] Shape)>
        {
            [OnnxIoNames.Sample] = (sample.ToFloat(), Long(sample.Shape)),
            [OnnxIoNames.Timestep] = (Array.ConvertAll(timesteps, t => (float)t), [timesteps.Length]),
            [OnnxIoNames.EncoderHiddenStates] = (context.ToFloat(), Long(context.Shape)),
        };

        var actual = OrtModel.Run(_package.ModelPath(PackageLayout.UNet), feeds, OnnxIoNames.OutSample);

        RefTensor expected = RefUNet.Forward(_weights.Reference, config, sample, timesteps, context);
        Check(actual, OnnxIoNames.OutSample, expected);
    }

    [Test]
    public void VaeEncoder_Converted_MatchesReferencePosteriorMean()
    {
        RefTensor image = RandomTensor(33, 1, 3, 32, 16);
        var feeds = new Dictionary<string, (Array Data, long[] Shape)>
        {
            [OnnxIoNames.Sample] = (image.ToFloat(), Long(image.Shape)),
        };

        var actual = OrtModel.Run(_package.ModelPath(PackageLayout.VaeEncoder), feeds, OnnxIoNames.LatentSample);

        Check(actual, OnnxIoNames.LatentSample, RefVae.EncodeMean(_weights.Reference, Config.Vae, image));
    }

    [Test]
    public void VaeDecoder_Converted_MatchesReference()
    {
        RefTensor latent = RandomTensor(34, 1, 4, 3, 5);
        var feeds = new Dictionary<string, (Array Data, long[] Shape)>
        {
            [OnnxIoNames.LatentSample] = (latent.ToFloat(), Long(latent.Shape)),
        };

        var actual = OrtModel.Run(_package.ModelPath(PackageLayout.VaeDecoder), feeds, OnnxIoNames.Sample);

        Check(actual, OnnxIoNames.Sample, RefVae.Decode(_weights.Reference, Config.Vae, latent));
    }

    private static void Check(Dictionary<string, (float[] Data, long[] Shape)> actual, string name,
        RefTensor expected) => ReferenceAssert.Close(actual[name].Data, actual[name].Shape, expected, name);

    /// <summary>Standard-normal values (Box–Muller on a seeded generator), rounded to float32.</summary>
    private static RefTensor RandomTensor(int seed, params int[] shape)
    {
        var random = new Random(seed);
        var tensor = new RefTensor(shape);
        for (int i = 0; i < tensor.Length; i++)
        {
            double u = 1 - random.NextDouble();
            tensor.Data[i] = (float)(Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }

        return tensor;
    }

    private static long[] Long(int[] shape) => Array.ConvertAll(shape, d => (long)d);

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
