using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Serialization;
using OnnxDiffusion.Models.Architectures;
using OnnxDiffusion.Models.Configs;

namespace OnnxDiffusion.Models.Tests.Architectures;

/// <summary>Exports are deterministic and declare the diffusers/optimum I/O contract.</summary>
[Category("Unit")]
public sealed class ArchitectureSerializationTests
{
    private static readonly UNetConfig s_small = Sd15Config.Tiny.UNet with
    {
        ChannelMult = [1, 2], AttentionLevels = [true, false],
    };

    [Test]
    public void UNet_BuiltTwice_IsByteIdentical()
    {
        byte[] first = ModelWriter.ToBytes(UNet2DConditionModel.Build(s_small, new SeededRandomInitializerSource(3)));
        byte[] second = ModelWriter.ToBytes(UNet2DConditionModel.Build(s_small, new SeededRandomInitializerSource(3)));
        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void UNet_Io_FollowsOptimumNamesWithDynamicAxes()
    {
        OnnxModel model = UNet2DConditionModel.Build(s_small, new SeededRandomInitializerSource(1));
        Assert.That(Describe(model.Graph.Input), Is.EqualTo(new[]
        {
            "sample[batch,4,height,width]", "timestep[timestep_batch]", "encoder_hidden_states[batch,sequence,48]",
        }));
        Assert.That(Describe(model.Graph.Output), Is.EqualTo(new[] { "out_sample[batch,4,height,width]" }));
    }

    [TestCase(true, true)]
    [TestCase(false, false)]
    public void UNet_MicrosoftDomain_ImportedOnlyWithMultiHeadAttention(bool mha, bool expectDomain)
    {
        var options = new UNetModelOptions { MultiHeadAttentionAtLevel0 = mha };
        OnnxModel model = UNet2DConditionModel.Build(s_small, new SeededRandomInitializerSource(1), options);
        Assert.That(model.Proto.OpsetImport.Any(o => o.Domain == "com.microsoft"), Is.EqualTo(expectDomain));
        Assert.That(model.Graph.Node.Count(n => n.OpType == "MultiHeadAttention"), Is.EqualTo(mha ? 5 : 0));
    }

    [Test]
    public void TextEncoderAndVae_Io_FollowOptimumNames()
    {
        Sd15Config tiny = Sd15Config.Tiny;
        var seeded = new SeededRandomInitializerSource(1);
        OnnxModel text = ClipTextModel.Build(tiny.TextEncoder, seeded,
            new ClipTextModelOptions { HiddenStatesOutputs = false });
        OnnxModel encoder = AutoencoderKlEncoder.Build(tiny.Vae, seeded);
        OnnxModel decoder = AutoencoderKlDecoder.Build(tiny.Vae, seeded);

        Assert.That(Describe(text.Graph.Input), Is.EqualTo(new[] { "input_ids[batch,sequence]" }));
        Assert.That(Describe(text.Graph.Output),
            Is.EqualTo(new[] { "last_hidden_state[batch,sequence,48]", "pooler_output[batch,48]" }));
        Assert.That(Describe(encoder.Graph.Input), Is.EqualTo(new[] { "sample[batch,3,height,width]" }));
        Assert.That(Describe(encoder.Graph.Output), Is.EqualTo(new[] { "latent_sample[batch,4,?,?]" }));
        Assert.That(Describe(decoder.Graph.Input),
            Is.EqualTo(new[] { "latent_sample[batch,4,latent_height,latent_width]" }));
        Assert.That(Describe(decoder.Graph.Output), Is.EqualTo(new[] { "sample[batch,3,?,?]" }));
    }

    private static string[] Describe(IEnumerable<Graph.Proto.ValueInfoProto> values) => values
        .Select(v => v.Name + "[" + string.Join(",", v.Type.TensorType.Shape.Dim.Select(d =>
            d.HasDimValue ? d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : d.HasDimParam ? d.DimParam : "?")) + "]")
        .ToArray();
}
