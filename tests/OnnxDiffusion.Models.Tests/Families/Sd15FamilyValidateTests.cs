using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Families;
using OnnxDiffusion.Models.Layouts;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Models.Tests.Families;

[Category("Unit")]
public sealed class Sd15FamilyValidateTests
{
    private static IReadOnlyList<LayoutTable.Row> FullRows() => LayoutTable.ReadOrIgnore("sd15-ldm-keys.tsv");

    [Test]
    public void Validate_PublishedTable_Passes()
    {
        using var source = InMemoryWeightSource.FromRows(FullRows());
        Assert.That(() => Sd15Family.Validate(source, Sd15Config.Full), Throws.Nothing);
    }

    [Test]
    public void Validate_SeveralDefects_ReportsEveryOneAtOnce()
    {
        string[] dropped =
        [
            "model.diffusion_model.input_blocks.4.1.transformer_blocks.0.attn2.to_v.weight",
            "model.diffusion_model.output_blocks.8.2.conv.bias",
            "first_stage_model.decoder.up.0.block.2.conv2.weight",
            "cond_stage_model.transformer.text_model.encoder.layers.7.self_attn.q_proj.bias",
        ];
        const string Reshaped = "first_stage_model.quant_conv.weight";
        const string Retyped = "model.diffusion_model.out.2.bias";
        var rows = FullRows().Where(r => !dropped.Contains(r.Name))
            .Select(r => r.Name == Reshaped ? r with { Shape = [8, 8, 3, 3] } : r)
            .Select(r => r.Name == Retyped ? r with { DType = DType.I32 } : r)
            .Append(new LayoutTable.Row("model.diffusion_model.extra.weight", [3], DType.F32))
            .Append(new LayoutTable.Row("lm_head.bias", [7], DType.F16));
        using var source = InMemoryWeightSource.FromRows(rows, "broken.safetensors");

        var ex = Assert.Throws<WeightMismatchException>(() => Sd15Family.Validate(source, Sd15Config.Full));
        Assert.That(ex!.Problems, Has.Count.EqualTo(8));
        foreach (string name in dropped)
        {
            Assert.That(ex.Problems, Has.Some.StartsWith($"missing: {name} ("));
        }

        Assert.That(ex.Problems, Has.Some.EqualTo($"shape: {Reshaped} is [8, 8, 3, 3] but expected [8, 8, 1, 1]"));
        Assert.That(ex.Problems, Has.Some.StartsWith($"dtype: {Retyped} is I32"));
        Assert.That(ex.Problems, Has.Some.EqualTo("unexpected: lm_head.bias [7]"));
        Assert.That(ex.Problems, Has.Some.EqualTo("unexpected: model.diffusion_model.extra.weight [3]"));
        Assert.That(ex.Message,
            Does.Contain("broken.safetensors").And.Contain("4 missing").And.Contain("2 unexpected"));
        Assert.That(ex.Code, Is.EqualTo("weight_mismatch"));
    }

    [Test]
    public void DetectFromWeights_DefectsOutsideDetectionKeys_ReportsThemAll()
    {
        var rows = FullRows().Where((r, i) => i % 97 != 50).ToList();   // drops 12 scattered tensors
        using var source = InMemoryWeightSource.FromRows(rows);
        var ex = Assert.Throws<WeightMismatchException>(() => Sd15Family.DetectFromWeights(source));
        Assert.That(ex!.Problems, Has.Count.EqualTo(12));
        Assert.That(ex.Problems, Has.All.StartsWith("missing: "));
    }

    [Test]
    public void Validate_InpaintingFileAgainstBaseConfig_HintsAtInpainting()
    {
        var rows = FullRows().Select(r => r.Name == "model.diffusion_model.input_blocks.0.0.weight"
            ? r with { Shape = [320, 9, 3, 3] }
            : r);
        using var source = InMemoryWeightSource.FromRows(rows);
        var ex = Assert.Throws<WeightMismatchException>(() => Sd15Family.Validate(source, Sd15Config.Full));
        Assert.That(ex!.Problems, Is.EqualTo(new[]
        {
            "shape: model.diffusion_model.input_blocks.0.0.weight is [320, 9, 3, 3] but expected [320, 4, 3, 3]",
        }));
        Assert.That(ex.Message, Does.Contain("9 = inpainting"));
    }

    [Test]
    public void Validate_TinyFileAgainstFullConfig_ReportsEveryShapeThatDiffers()
    {
        var tiny = Sd15Layout.Enumerate(Sd15Config.Tiny);
        var full = Sd15Layout.Enumerate(Sd15Config.Full);
        int differing = tiny.Zip(full).Count(p => !p.First.Shape.SequenceEqual(p.Second.Shape));
        using var source = InMemoryWeightSource.FromShapes(tiny);
        var ex = Assert.Throws<WeightMismatchException>(() => Sd15Family.Validate(source, Sd15Config.Full));
        Assert.That(ex!.Problems, Has.Count.EqualTo(differing));
        Assert.That(differing, Is.GreaterThan(1000));
        Assert.That(ex.Problems, Has.All.StartsWith("shape: "));
    }

    [Test]
    public void Validate_DiffusersSourceMissingTensor_NamesItTheDiffusersWay()
    {
        var rows = FullRows().Where(r => r.Name != "model.diffusion_model.out.2.bias").Select(r => r with
        {
            Name = Sd15DiffusersKeyMap.ToDiffusers(r.Name),
            Shape = Sd15DiffusersKeyMap.ToDiffusersShape(r.Name, r.Shape),
        });
        using var source = InMemoryWeightSource.FromRows(rows, "sd15-diffusers");
        var ex = Assert.Throws<WeightMismatchException>(() => Sd15Family.Validate(source, Sd15Config.Full));
        Assert.That(ex!.Problems, Is.EqualTo(new[] { "missing: unet/conv_out.bias (expected [4])" }));
    }
}
