using System.Text.Json;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Families;
using OnnxDiffusion.Models.Layouts;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Models.Tests.Families;

[Category("Unit")]
public sealed class Sd15FamilyTests
{
    private static IReadOnlyList<LayoutTable.Row> FullRows() => LayoutTable.ReadOrIgnore("sd15-ldm-keys.tsv");

    private static InMemoryWeightSource Source(IEnumerable<LayoutTable.Row> rows) =>
        InMemoryWeightSource.FromRows(rows);

    private static InMemoryWeightSource Source(Sd15Config config) => new(
        Sd15Layout.Enumerate(config).Select(t =>
            (t.Name, Sd15Layout.StoredDType(t.Name, DType.F16), t.Shape, (byte[]?)null)));

    private static void AssertSameConfig(Sd15Config actual, Sd15Config expected) =>
        Assert.That(JsonSerializer.Serialize(actual), Is.EqualTo(JsonSerializer.Serialize(expected)));

    [Test]
    public void DetectFromWeights_PublishedTable_ReturnsFullConfig()
    {
        using var source = Source(FullRows());
        Sd15Config config = Sd15Family.DetectFromWeights(source);
        AssertSameConfig(config, Sd15Config.Full);
        Assert.That(config.IsInpainting, Is.False);
        Assert.That(config.UNet.ChannelMult, Is.EqualTo(new[] { 1, 2, 4, 4 }));
        Assert.That(config.UNet.AttentionLevels, Is.EqualTo(new[] { true, true, true, false }));
        Assert.That(config.UNet.ContextDim, Is.EqualTo(768));
        Assert.That(config.TextEncoder.Layers, Is.EqualTo(12));
    }

    [Test]
    public void DetectFromWeights_WithOptionalExtrasAndWithoutPositionIds_ReturnsFullConfig()
    {
        var rows = FullRows().Where(r => r.Name != Sd15Layout.PositionIdsKey)
            .Concat(LayoutTable.ReadOrIgnore("sd15-ldm-keys-optional.tsv"));
        using var source = Source(rows);
        AssertSameConfig(Sd15Family.DetectFromWeights(source), Sd15Config.Full);
    }

    [Test]
    public void DetectFromWeights_TinyLayout_ReturnsTinyConfig()
    {
        using var source = Source(Sd15Config.Tiny);
        AssertSameConfig(Sd15Family.DetectFromWeights(source), Sd15Config.Tiny);
    }

    [Test]
    public void DetectFromWeights_CustomWidths_AreReadFromShapes()
    {
        var custom = new Sd15Config
        {
            TextEncoder = new ClipTextConfig { Width = 96, Layers = 3, Heads = 12, MlpWidth = 384, VocabSize = 1000 },
            UNet = new UNetConfig
            {
                InChannels = 4, ModelChannels = 64, ChannelMult = [1, 3], AttentionLevels = [false, true],
                ContextDim = 96, ResBlocksPerLevel = 1,
            },
            Vae = new VaeConfig { BaseChannels = 64, ChannelMult = [1, 2, 2], ResBlocksPerLevel = 1 },
        };
        using var source = Source(custom);
        AssertSameConfig(Sd15Family.DetectFromWeights(source), custom);
    }

    [Test]
    public void DetectFromWeights_NineInputChannels_IsInpainting()
    {
        var rows = FullRows().Select(r => r.Name == "model.diffusion_model.input_blocks.0.0.weight"
            ? r with { Shape = [320, 9, 3, 3] }
            : r);
        using var source = Source(rows);
        Sd15Config config = Sd15Family.DetectFromWeights(source);
        Assert.That(config.UNet.InChannels, Is.EqualTo(9));
        Assert.That(config.IsInpainting, Is.True);
    }

    [Test]
    public void DetectFromWeights_DiffusersNames_ReturnsFullConfig()
    {
        // A diffusers folder as WeightFile exposes it: component prefixes, VAE attention as Linear [512, 512],
        // legacy VAE attention names in the decoder, no position_ids.
        var rows = FullRows().Where(r => r.Name != Sd15Layout.PositionIdsKey).Select(r =>
        {
            string name = Sd15DiffusersKeyMap.ToDiffusers(r.Name);
            long[] shape = name.Contains("mid_block.attentions.0.to_", StringComparison.Ordinal) &&
                           name.EndsWith(".weight", StringComparison.Ordinal) ? [512, 512] : r.Shape;
            name = name.Replace("decoder.mid_block.attentions.0.to_q", "decoder.mid_block.attentions.0.query",
                StringComparison.Ordinal);
            return r with { Name = name, Shape = shape };
        });
        using var source = Source(rows);
        Assert.That(Sd15Family.Instance.Matches(source), Is.True);
        AssertSameConfig(Sd15Family.DetectFromWeights(source), Sd15Config.Full);
    }

    [Test]
    public void DetectFromWeights_OldClipNamesWithoutTextModel_ReturnsFullConfig()
    {
        var rows = FullRows().Select(r => r with
        {
            Name = r.Name.Replace("cond_stage_model.transformer.text_model.", "cond_stage_model.transformer.",
                StringComparison.Ordinal),
        });
        using var source = Source(rows);
        AssertSameConfig(Sd15Family.DetectFromWeights(source), Sd15Config.Full);
    }

    [TestCase("more/sd21-ldm-keys.tsv", "SD2.x")]
    [TestCase("more/sdxl-ldm-keys.tsv", "SDXL base")]
    [TestCase("more/lora-kohya-sd15-keys.tsv", "LoRA")]
    [TestCase("more/lora-locon-sd15-keys.tsv", "LoRA")]
    [TestCase("more/controlnet-sd15-keys.tsv", "ControlNet")]
    [TestCase("more/t2i-adapter-sd15-keys.tsv", "T2I-Adapter")]
    [TestCase("more/t2i-adapter-light-sd15-keys.tsv", "T2I-Adapter")]
    [TestCase("more/t2i-adapter-sd15-diffusers-keys.tsv", "T2I-Adapter")]
    public void DetectFromWeights_OtherKindOfFile_ThrowsUnsupportedNamingIt(string table, string named)
    {
        using var source = Source(LayoutTable.ReadOrIgnore(table));
        Assert.That(Sd15Family.Instance.Matches(source), Is.False);
        Assert.That(() => Sd15Family.DetectFromWeights(source),
            Throws.TypeOf<UnsupportedModelException>().With.Message.Contains(named));
    }

    [Test]
    public void DetectFromWeights_LoraFile_CountsItsModules()
    {
        using var source = Source(LayoutTable.ReadOrIgnore("more/lora-kohya-sd15-keys.tsv"));
        Assert.That(() => Sd15Family.DetectFromWeights(source),
            Throws.TypeOf<UnsupportedModelException>().With.Message.Contains("(264 low-rank modules"));
    }

    [Test]
    public void DetectFromWeights_SdxlDiffusersFolder_ThrowsUnsupportedSdxl()
    {
        var rows = FullRows().Select(r => r with { Name = Sd15DiffusersKeyMap.ToDiffusers(r.Name) })
            .Append(new LayoutTable.Row("unet/add_embedding.linear_1.weight", [1280, 2816], DType.F16))
            .Append(new LayoutTable.Row("text_encoder_2/text_model.final_layer_norm.weight", [1280], DType.F16));
        using var source = Source(rows);
        Assert.That(() => Sd15Family.DetectFromWeights(source),
            Throws.TypeOf<UnsupportedModelException>().With.Message.Contains("SDXL"));
    }

    [Test]
    public void DetectFromWeights_Sd2UNetWithoutTextEncoder_ThrowsUnsupportedSd2()
    {
        var rows = LayoutTable.ReadOrIgnore("more/sd21-ldm-keys.tsv")
            .Where(r => !r.Name.StartsWith("cond_stage_model.", StringComparison.Ordinal));
        using var source = Source(rows);
        Assert.That(() => Sd15Family.DetectFromWeights(source),
            Throws.TypeOf<UnsupportedModelException>().With.Message.Contains("SD2.x-style UNet"));
    }

    [TestCase("ldm")]
    [TestCase("bare")]
    [TestCase("diffusers")]
    public void DetectFromWeights_VaeOnlyFile_ThrowsUnsupportedVaeOnly(string naming)
    {
        const string Prefix = "first_stage_model.";
        var rows = FullRows().Where(r => r.Name.StartsWith(Prefix, StringComparison.Ordinal)).Select(r => naming switch
        {
            "bare" => r with { Name = r.Name[Prefix.Length..] },           // encoder.conv_in.weight, ...
            "diffusers" => r with { Name = Sd15DiffusersKeyMap.ToDiffusers(r.Name) },
            _ => r,
        });
        using var source = Source(rows);
        Assert.That(() => Sd15Family.DetectFromWeights(source),
            Throws.TypeOf<UnsupportedModelException>().With.Message.Contains("VAE-only"));
    }

    [TestCase("first_stage_model.", "missing component: VAE")]
    [TestCase("cond_stage_model.", "missing component: text encoder")]
    [TestCase("model.diffusion_model.", "missing component: UNet")]
    public void DetectFromWeights_ComponentMissing_ThrowsWeightMismatchNamingIt(string dropped, string problem)
    {
        using var source = Source(FullRows().Where(r => !r.Name.StartsWith(dropped, StringComparison.Ordinal)));
        var ex = Assert.Throws<WeightMismatchException>(() => Sd15Family.DetectFromWeights(source));
        Assert.That(ex!.Problems, Has.Count.EqualTo(1));
        Assert.That(ex.Problems[0], Does.StartWith(problem));
        Assert.That(ex.Message, Does.Contain("incomplete").And.Contain("download"));
    }

    [Test]
    public void DetectFromWeights_EmptyOrUnknownFile_ThrowsUnsupported()
    {
        using var empty = InMemoryWeightSource.FromShapes([]);
        Assert.That(() => Sd15Family.DetectFromWeights(empty),
            Throws.TypeOf<UnsupportedModelException>().With.Message.Contains("no tensors"));
        using var other = InMemoryWeightSource.FromShapes([("classifier.weight", [10, 512])]);
        Assert.That(() => Sd15Family.DetectFromWeights(other),
            Throws.TypeOf<UnsupportedModelException>().With.Message.Contains("matches no known model family"));
    }
}
