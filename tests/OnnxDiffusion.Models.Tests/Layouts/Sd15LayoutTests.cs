using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Layouts;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Models.Tests.Layouts;

[Category("Unit")]
public sealed class Sd15LayoutTests
{
    [Test]
    public void Enumerate_Full_MatchesPublishedTableNamesShapesAndOrder()
    {
        IReadOnlyList<LayoutTable.Row> table = LayoutTable.ReadOrIgnore("sd15-ldm-keys.tsv");
        IReadOnlyList<(string Name, long[] Shape)> layout = Sd15Layout.Enumerate(Sd15Config.Full);

        var expected = table.Select(r => $"{r.Name} [{string.Join(",", r.Shape)}]").ToList();
        var actual = layout.Select(t => $"{t.Name} [{string.Join(",", t.Shape)}]").ToList();
        Assert.That(actual, Is.EquivalentTo(expected), "names and shapes");
        Assert.That(actual, Is.EqualTo(expected), "module registration order");
        Assert.That(layout, Has.Count.EqualTo(1131));
    }

    [Test]
    public void StoredDType_Full_MatchesPublishedTable()
    {
        IReadOnlyList<LayoutTable.Row> table = LayoutTable.ReadOrIgnore("sd15-ldm-keys.tsv");
        foreach (LayoutTable.Row row in table)
        {
            Assert.That(Sd15Layout.StoredDType(row.Name, DType.F32), Is.EqualTo(row.DType), row.Name);
        }
    }

    [Test]
    public void Enumerate_Full_ComponentCountsAndParameterCount()
    {
        IReadOnlyList<(string Name, long[] Shape)> layout = Sd15Layout.Enumerate(Sd15Config.Full);
        int Count(string prefix) => layout.Count(t => t.Name.StartsWith(prefix, StringComparison.Ordinal));
        Assert.That(Count(Sd15Layout.UNetPrefix), Is.EqualTo(686));
        Assert.That(Count(Sd15Layout.VaePrefix), Is.EqualTo(248));
        Assert.That(Count(Sd15Layout.TextEncoderPrefix), Is.EqualTo(197));
        long floatParams = layout.Where(t => t.Name != Sd15Layout.PositionIdsKey)
            .Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
        Assert.That(floatParams, Is.EqualTo(1_066_235_307L)); // the figure published with the table
    }

    [Test]
    public void Enumerate_Tiny_HasTheSameNamesInTheSameOrderAsFull()
    {
        var full = Sd15Layout.Enumerate(Sd15Config.Full).Select(t => t.Name).ToList();
        var tiny = Sd15Layout.Enumerate(Sd15Config.Tiny).Select(t => t.Name).ToList();
        Assert.That(tiny, Is.EqualTo(full));
    }

    [Test]
    public void Enumerate_Tiny_UsesTheTinyWidths()
    {
        Dictionary<string, long[]> tiny = Sd15Layout.Enumerate(Sd15Config.Tiny).ToDictionary(t => t.Name, t => t.Shape);
        // Independent expectations from the tiny sizes: UNet 32 (mult 1,2,4,4), context 48, CLIP 48/192, VAE 32.
        Assert.That(tiny["model.diffusion_model.input_blocks.0.0.weight"], Is.EqualTo(new long[] { 32, 4, 3, 3 }));
        Assert.That(tiny["model.diffusion_model.time_embed.0.weight"], Is.EqualTo(new long[] { 128, 32 }));
        Assert.That(tiny["model.diffusion_model.output_blocks.0.0.in_layers.2.weight"],
            Is.EqualTo(new long[] { 128, 256, 3, 3 }));
        Assert.That(tiny["model.diffusion_model.input_blocks.7.1.transformer_blocks.0.attn2.to_k.weight"],
            Is.EqualTo(new long[] { 128, 48 }));
        Assert.That(tiny["cond_stage_model.transformer.text_model.encoder.layers.11.mlp.fc1.weight"],
            Is.EqualTo(new long[] { 192, 48 }));
        Assert.That(tiny["cond_stage_model.transformer.text_model.embeddings.token_embedding.weight"],
            Is.EqualTo(new long[] { 49408, 48 }));
        Assert.That(tiny["first_stage_model.decoder.up.1.upsample.conv.weight"],
            Is.EqualTo(new long[] { 64, 64, 3, 3 }));
        Assert.That(tiny[Sd15Layout.PositionIdsKey], Is.EqualTo(new long[] { 1, 77 }));
    }

    [Test]
    public void Enumerate_Inpainting_ChangesOnlyTheInputConvolution()
    {
        Sd15Config inpaint = Sd15Config.Full with { UNet = Sd15Config.Full.UNet with { InChannels = 9 } };
        var full = Sd15Layout.Enumerate(Sd15Config.Full);
        var changed = Sd15Layout.Enumerate(inpaint).Zip(full)
            .Where(p => !p.First.Shape.SequenceEqual(p.Second.Shape)).Select(p => p.First).ToList();
        Assert.That(changed.Select(t => t.Name), Is.EqualTo(new[] { "model.diffusion_model.input_blocks.0.0.weight" }));
        Assert.That(changed[0].Shape, Is.EqualTo(new long[] { 320, 9, 3, 3 }));
    }

    [Test]
    public void Enumerate_InconsistentConfig_ThrowsArgumentException()
    {
        Sd15Config bad = Sd15Config.Tiny with { UNet = Sd15Config.Tiny.UNet with { ModelChannels = 20 } };
        Assert.That(() => Sd15Layout.Enumerate(bad),
            Throws.ArgumentException.With.Message.Contains("divisible by 32 norm groups"));
    }

    [Test]
    public void IsKnownExtra_OptionalTableRows_AreAllKnown()
    {
        IReadOnlyList<LayoutTable.Row> optional = LayoutTable.ReadOrIgnore("sd15-ldm-keys-optional.tsv");
        Assert.That(optional, Has.Count.EqualTo(700));
        Assert.That(optional.Where(r => !Sd15Layout.IsKnownExtra(r.Name)).Select(r => r.Name), Is.Empty);
        Assert.That(Sd15Layout.IsKnownExtra("model.diffusion_model.out.2.weight"), Is.False);
    }
}
