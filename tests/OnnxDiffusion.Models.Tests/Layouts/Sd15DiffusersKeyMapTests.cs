using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Layouts;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Models.Tests.Layouts;

[Category("Unit")]
public sealed class Sd15DiffusersKeyMapTests
{
    // Hand-written pairs covering every renaming rule (diffusers' own module names).
    [TestCase("model.diffusion_model.input_blocks.1.0.in_layers.0.weight", "unet/down_blocks.0.resnets.0.norm1.weight")]
    [TestCase("model.diffusion_model.time_embed.2.bias", "unet/time_embedding.linear_2.bias")]
    [TestCase("model.diffusion_model.input_blocks.0.0.weight", "unet/conv_in.weight")]
    [TestCase("model.diffusion_model.input_blocks.9.0.op.weight", "unet/down_blocks.2.downsamplers.0.conv.weight")]
    [TestCase("model.diffusion_model.input_blocks.11.0.emb_layers.1.bias",
        "unet/down_blocks.3.resnets.1.time_emb_proj.bias")]
    [TestCase("model.diffusion_model.input_blocks.8.1.proj_out.weight",
        "unet/down_blocks.2.attentions.1.proj_out.weight")]
    [TestCase("model.diffusion_model.middle_block.2.out_layers.3.weight", "unet/mid_block.resnets.1.conv2.weight")]
    [TestCase("model.diffusion_model.middle_block.1.transformer_blocks.0.ff.net.2.weight",
        "unet/mid_block.attentions.0.transformer_blocks.0.ff.net.2.weight")]
    [TestCase("model.diffusion_model.output_blocks.2.1.conv.weight", "unet/up_blocks.0.upsamplers.0.conv.weight")]
    [TestCase("model.diffusion_model.output_blocks.5.2.conv.bias", "unet/up_blocks.1.upsamplers.0.conv.bias")]
    [TestCase("model.diffusion_model.output_blocks.8.2.conv.weight", "unet/up_blocks.2.upsamplers.0.conv.weight")]
    [TestCase("model.diffusion_model.output_blocks.11.1.norm.bias", "unet/up_blocks.3.attentions.2.norm.bias")]
    [TestCase("model.diffusion_model.output_blocks.6.0.skip_connection.weight",
        "unet/up_blocks.2.resnets.0.conv_shortcut.weight")]
    [TestCase("model.diffusion_model.out.0.weight", "unet/conv_norm_out.weight")]
    [TestCase("model.diffusion_model.out.2.bias", "unet/conv_out.bias")]
    [TestCase("first_stage_model.encoder.down.1.block.0.nin_shortcut.weight",
        "vae/encoder.down_blocks.1.resnets.0.conv_shortcut.weight")]
    [TestCase("first_stage_model.encoder.down.2.downsample.conv.bias",
        "vae/encoder.down_blocks.2.downsamplers.0.conv.bias")]
    [TestCase("first_stage_model.decoder.up.3.block.2.norm1.weight", "vae/decoder.up_blocks.0.resnets.2.norm1.weight")]
    [TestCase("first_stage_model.decoder.up.1.upsample.conv.weight",
        "vae/decoder.up_blocks.2.upsamplers.0.conv.weight")]
    [TestCase("first_stage_model.decoder.mid.attn_1.proj_out.weight",
        "vae/decoder.mid_block.attentions.0.to_out.0.weight")]
    [TestCase("first_stage_model.encoder.mid.attn_1.norm.bias", "vae/encoder.mid_block.attentions.0.group_norm.bias")]
    [TestCase("first_stage_model.encoder.mid.attn_1.q.weight", "vae/encoder.mid_block.attentions.0.to_q.weight")]
    [TestCase("first_stage_model.decoder.mid.block_2.conv1.weight", "vae/decoder.mid_block.resnets.1.conv1.weight")]
    [TestCase("first_stage_model.encoder.norm_out.weight", "vae/encoder.conv_norm_out.weight")]
    [TestCase("first_stage_model.post_quant_conv.weight", "vae/post_quant_conv.weight")]
    [TestCase("cond_stage_model.transformer.text_model.encoder.layers.3.mlp.fc1.bias",
        "text_encoder/text_model.encoder.layers.3.mlp.fc1.bias")]
    [TestCase(Sd15Layout.PositionIdsKey, "text_encoder/text_model.embeddings.position_ids")]
    public void Map_KnownPair_MapsBothWays(string ldm, string diffusers)
    {
        Assert.That(Sd15DiffusersKeyMap.ToDiffusers(ldm), Is.EqualTo(diffusers));
        Assert.That(Sd15DiffusersKeyMap.ToLdm(diffusers), Is.EqualTo(ldm));
    }

    [Test]
    public void Map_AllLayoutKeys_IsABijection()
    {
        var ldmNames = Sd15Layout.Enumerate(Sd15Config.Full).Select(t => t.Name).ToList();
        var diffusers = ldmNames.Select(Sd15DiffusersKeyMap.ToDiffusers).ToList();
        Assert.That(diffusers.Distinct().Count(), Is.EqualTo(1131));
        Assert.That(diffusers.Select(Sd15DiffusersKeyMap.ToLdm), Is.EqualTo(ldmNames));
        Assert.That(diffusers.Count(n => n.StartsWith("unet/", StringComparison.Ordinal)), Is.EqualTo(686));
        Assert.That(diffusers.Count(n => n.StartsWith("vae/", StringComparison.Ordinal)), Is.EqualTo(248));
        Assert.That(diffusers.Count(n => n.StartsWith("text_encoder/", StringComparison.Ordinal)), Is.EqualTo(197));
    }

    [Test]
    public void Map_ControlNetTable_AgreesOnTheSharedUNetPart()
    {
        // The ControlNet table is an independent ldm↔diffusers list for the down and middle half of the UNet.
        IReadOnlyList<string> lines = ReadLinesOrIgnore("more/controlnet-sd15-diffusers-map.tsv");
        int compared = 0;
        foreach (string[] cells in lines.Skip(1).Select(l => l.Split('\t')))
        {
            string ldm = "model.diffusion_model." + cells[0]["control_model.".Length..];
            if (Sd15DiffusersKeyMap.TryToDiffusers(ldm, out string? diffusers))
            {
                Assert.That(diffusers, Is.EqualTo("unet/" + cells[1]), ldm);
                compared++;
            }
        }

        // Every UNet key of the time embedding, input blocks and middle block was compared.
        int shared = Sd15Layout.Enumerate(Sd15Config.Full).Count(t => t.Name.StartsWith("model.diffusion_model.",
            StringComparison.Ordinal) && !t.Name.Contains("output_blocks", StringComparison.Ordinal) &&
            !t.Name.StartsWith("model.diffusion_model.out.", StringComparison.Ordinal));
        Assert.That(compared, Is.EqualTo(shared));
    }

    [TestCase("more/lora-locon-sd15-map.tsv")]
    [TestCase("more/lora-kohya-sd15-map.tsv")]
    public void Map_LoraTargetTables_AgreeForEveryTarget(string table)
    {
        // LoRA tables list, per module, the diffusers target and the LDM checkpoint key it patches.
        IReadOnlyList<string> lines = ReadLinesOrIgnore(table);
        foreach (string[] cells in lines.Skip(1).Select(l => l.Split('\t')))
        {
            string diffusers = cells[5].Replace(":", "/", StringComparison.Ordinal);
            Assert.That(Sd15DiffusersKeyMap.ToLdm(diffusers), Is.EqualTo(cells[6]), diffusers);
            Assert.That(Sd15DiffusersKeyMap.ToDiffusers(cells[6]), Is.EqualTo(diffusers), cells[6]);
        }

        Assert.That(lines, Has.Count.GreaterThan(200));
    }

    [Test]
    public void Shapes_VaeAttentionProjections_AreReshapedAndNothingElse()
    {
        var reshaped = new List<string>();
        foreach ((string name, long[] shape) in Sd15Layout.Enumerate(Sd15Config.Full))
        {
            long[] diffShape = Sd15DiffusersKeyMap.ToDiffusersShape(name, shape);
            if (!diffShape.SequenceEqual(shape))
            {
                reshaped.Add(name);
                Assert.That(diffShape, Is.EqualTo(new long[] { 512, 512 }), name);
            }

            string diffName = Sd15DiffusersKeyMap.ToDiffusers(name);
            Assert.That(Sd15DiffusersKeyMap.ToLdmShape(diffName, diffShape), Is.EqualTo(shape), name);
        }

        Assert.That(reshaped, Has.Count.EqualTo(8)); // q, k, v, proj_out in encoder and decoder
        Assert.That(reshaped, Has.All.Contains(".mid.attn_1."));
    }

    [TestCase("vae/decoder.mid_block.attentions.0.query.weight", "first_stage_model.decoder.mid.attn_1.q.weight")]
    [TestCase("vae/encoder.mid_block.attentions.0.proj_attn.bias",
        "first_stage_model.encoder.mid.attn_1.proj_out.bias")]
    public void TryToLdm_LegacyVaeAttentionNames_AreAccepted(string legacy, string ldm)
    {
        Assert.That(Sd15DiffusersKeyMap.TryToLdm(legacy, out string? mapped), Is.True);
        Assert.That(mapped, Is.EqualTo(ldm));
    }

    [TestCase("unet/down_blocks.9.resnets.0.norm1.weight")]
    [TestCase("model.diffusion_model.input_blocks.1.0.in_layers.0.weight")]
    [TestCase("text_encoder/text_model.encoder.layers.12.mlp.fc1.weight")]
    public void TryToLdm_UnknownName_ReturnsFalseAndToLdmThrows(string name)
    {
        Assert.That(Sd15DiffusersKeyMap.TryToLdm(name, out _), Is.False);
        Assert.That(() => Sd15DiffusersKeyMap.ToLdm(name), Throws.TypeOf<KeyNotFoundException>());
    }

    [Test]
    public void TryToDiffusers_UnknownName_ReturnsFalse()
    {
        Assert.That(Sd15DiffusersKeyMap.TryToDiffusers("model_ema.decay", out _), Is.False);
        Assert.That(() => Sd15DiffusersKeyMap.ToDiffusers("betas"), Throws.TypeOf<KeyNotFoundException>());
    }

    private static IReadOnlyList<string> ReadLinesOrIgnore(string relative) =>
        File.ReadAllLines(SharedData.PathOrIgnore("checkpoint-layouts/" + relative));
}
