using OnnxDiffusion.Graph;
using OnnxDiffusion.Models.Architectures;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Layouts;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Models.Tests.Architectures;

/// <summary>
/// The parameters each architecture declares are exactly the tensors of a real SD1.5 checkpoint (the published
/// key table, names and shapes) at full size, and the layout enumeration at tiny size. Declaring a graph does
/// not touch weights, so full size is cheap.
/// </summary>
[Category("Unit")]
public sealed class ArchitectureLayoutTests
{
    [Test]
    public void UNet_FullConfig_DeclaresTheSd15UNetTensors()
    {
        GraphBuilder b = UNet2DConditionModel.Define(Sd15Config.Full.UNet);
        Assert.That(Declared(b), Is.EquivalentTo(Table(Sd15Layout.UNetPrefix)));
    }

    [Test]
    public void TextEncoder_FullConfig_DeclaresTheSd15TextTensorsExceptPositionIds()
    {
        GraphBuilder b = ClipTextModel.Define(Sd15Config.Full.TextEncoder);
        string[] expected = Table(Sd15Layout.TextEncoderPrefix)
            .Where(row => !row.StartsWith(Sd15Layout.PositionIdsKey, StringComparison.Ordinal)).ToArray();
        Assert.That(Declared(b), Is.EquivalentTo(expected));
    }

    [Test]
    public void Vae_FullConfig_EncoderAndDecoderTogetherDeclareTheSd15VaeTensors()
    {
        GraphBuilder encoder = AutoencoderKlEncoder.Define(Sd15Config.Full.Vae);
        GraphBuilder decoder = AutoencoderKlDecoder.Define(Sd15Config.Full.Vae);
        string[] declared = [.. Declared(encoder), .. Declared(decoder)];
        Assert.That(declared, Is.EquivalentTo(Table(Sd15Layout.VaePrefix)));
        Assert.That(Declared(encoder), Has.None.Contains(".decoder.").And.None.Contains("post_quant_conv"));
    }

    [Test]
    public void AllComponents_TinyConfig_MatchLayoutEnumeration()
    {
        Sd15Config tiny = Sd15Config.Tiny;
        string[] declared =
        [
            .. Declared(UNet2DConditionModel.Define(tiny.UNet)),
            .. Declared(AutoencoderKlEncoder.Define(tiny.Vae)),
            .. Declared(AutoencoderKlDecoder.Define(tiny.Vae)),
            .. Declared(ClipTextModel.Define(tiny.TextEncoder)),
        ];
        string[] expected = Sd15Layout.Enumerate(tiny)
            .Where(t => t.Name != Sd15Layout.PositionIdsKey)
            .Select(t => $"{t.Name}\t{string.Join(",", t.Shape)}").ToArray();
        Assert.That(declared, Is.EquivalentTo(expected));
    }

    [Test]
    public void UNet_InpaintingConfig_DeclaresNineInputChannels()
    {
        GraphBuilder b = UNet2DConditionModel.Define(Sd15Config.Full.UNet with { InChannels = 9 });
        ParameterSpec convIn = b.Parameters.Single(p => p.Key == "model.diffusion_model.input_blocks.0.0.weight");
        Assert.That(convIn.Shape, Is.EqualTo(new long[] { 320, 9, 3, 3 }));
        Assert.That(b.Inputs[0].Shape[1].Value, Is.EqualTo(9));
    }

    [Test]
    public void Define_SameConfigTwice_GivesIdenticalParameterOrder()
    {
        string[] first = Declared(UNet2DConditionModel.Define(Sd15Config.Tiny.UNet));
        string[] second = Declared(UNet2DConditionModel.Define(Sd15Config.Tiny.UNet));
        Assert.That(second, Is.EqualTo(first));
    }

    private static string[] Declared(GraphBuilder b) =>
        b.Parameters.Select(p => $"{p.Key}\t{string.Join(",", p.Shape)}").ToArray();

    private static string[] Table(string prefix)
    {
        string path = SharedData.PathOrIgnore("checkpoint-layouts/sd15-ldm-keys.tsv");
        return File.ReadLines(path).Skip(1)
            .Select(line => line.Split('\t'))
            .Where(cells => cells[0].StartsWith(prefix, StringComparison.Ordinal))
            .Select(cells => $"{cells[0]}\t{cells[1]}")
            .ToArray();
    }
}
