using System.Globalization;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Schema;
using OnnxDiffusion.Nodes.Tests.TestNodes;
using OnnxDiffusion.Nodes.Types;

namespace OnnxDiffusion.Nodes.Tests;

[Category("Unit")]
public sealed class NodeRegistryTests
{
    private static readonly NodeEnvironment s_env = NodeEnvironment.UnderRoot("/nonexistent-onnxdiff-root");

    private static IEnumerable<INode> BuiltIns() => NodeRegistry.Default.Nodes;

    [Test]
    public void Default_ClassTypes_AreUnique()
    {
        var names = BuiltIns().Select(n => n.Schema.ClassType).ToArray();
        Assert.That(names, Is.Unique);
    }

    [Test]
    public void Constructor_DuplicateClassType_Throws()
    {
        var log = new CallLog();
        INode[] twice = [new TestNodePack.IntNode(log), new TestNodePack.IntNode(log)];
        Assert.Throws<ArgumentException>(() => _ = new NodeRegistry(twice));
    }

    [Test]
    public void Get_UnknownClassType_ThrowsNotSupportedListingNames()
    {
        var ex = Assert.Throws<NotSupportedException>(() => NodeRegistry.Default.Get("Nope"));
        Assert.That(ex!.Message, Does.Contain("EmptyLatentImage"));
    }

    [TestCaseSource(nameof(BuiltIns))]
    public void Schema_EveryNode_UsesKnownTypesAndConsistentWidgets(INode node)
    {
        NodeSchema schema = node.Schema;
        Assert.That(schema.AllInputs.Select(i => i.Name), Is.Unique, "input names");
        Assert.That(schema.AllInputs.Select(i => i.Type).Distinct(), Is.SubsetOf(IoType.All), "input types");
        Assert.That(schema.Outputs.Select(o => o.Type).Distinct(), Is.SubsetOf(IoType.All), "output types");
        Assert.That(schema.Category, Is.Not.Empty);
        Assert.That(schema.IsOutputNode || schema.Outputs.Count > 0, Is.True, "no outputs and not an output node");
        foreach (InputSpec input in schema.AllInputs)
        {
            switch (input)
            {
                case IntInput i:
                    Assert.That(i.Default, Is.InRange(i.Min ?? i.Default, i.Max ?? i.Default), i.Name);
                    break;
                case FloatInput f:
                    Assert.That(f.Default, Is.InRange(f.Min ?? f.Default, f.Max ?? f.Default), f.Name);
                    break;
                case LinkInput l:
                    Assert.That(l.Type.IsWidget, Is.False, l.Name);
                    break;
            }
        }
    }

    [Test]
    public void Default_EveryNodeClassInTheAssembly_IsRegistered()
    {
        var registered = BuiltIns().Select(n => n.GetType()).ToHashSet();
        var missing = typeof(NodeRegistry).Assembly.GetTypes()
            .Where(t => typeof(INode).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Where(t => !registered.Contains(t))
            .Select(t => t.Name)
            .ToArray();
        Assert.That(missing, Is.Empty,
            $"Add one line per missing node to NodeRegistry.BuiltInNodes(): {string.Join(", ", missing)}");
    }

    /// <summary>Names, categories, inputs (defaults, ranges) and outputs typed from comfyui-spec.md §2.</summary>
    [TestCase("EmptyLatentImage", "Empty Latent Image", "latent", false,
        "width:INT(512,16,16384,8) height:INT(512,16,16384,8) batch_size:INT(1,1,4096,-)", "LATENT")]
    [TestCase("LatentUpscale", "Upscale Latent", "latent", false,
        "samples:LATENT upscale_method:[nearest-exact|bilinear|area|bicubic|bislerp] width:INT(512,0,16384,8) " +
        "height:INT(512,0,16384,8) crop:[disabled|center]", "LATENT")]
    [TestCase("LatentUpscaleBy", "Upscale Latent By", "latent", false,
        "samples:LATENT upscale_method:[nearest-exact|bilinear|area|bicubic|bislerp] scale_by:FLOAT(1.5,0.01,8,0.01)",
        "LATENT")]
    [TestCase("SetLatentNoiseMask", "Set Latent Noise Mask", "latent/inpaint", false, "samples:LATENT mask:MASK",
        "LATENT")]
    [TestCase("ConditioningCombine", "Conditioning (Combine)", "conditioning", false,
        "conditioning_1:CONDITIONING conditioning_2:CONDITIONING", "CONDITIONING")]
    [TestCase("ConditioningSetArea", "Conditioning (Set Area)", "conditioning", false,
        "conditioning:CONDITIONING width:INT(64,64,16384,8) height:INT(64,64,16384,8) x:INT(0,0,16384,8) " +
        "y:INT(0,0,16384,8) strength:FLOAT(1,0,10,0.01)", "CONDITIONING")]
    [TestCase("ConditioningZeroOut", "ConditioningZeroOut", "advanced/conditioning", false,
        "conditioning:CONDITIONING", "CONDITIONING")]
    [TestCase("LoadImageMask", "Load Image (as Mask)", "mask", false,
        "image:[files] channel:[alpha|red|green|blue]", "MASK")]
    [TestCase("SaveImage", "Save Image", "image", true, "images:IMAGE filename_prefix:STRING(ComfyUI)", "")]
    [TestCase("PreviewImage", "Preview Image", "image", true, "images:IMAGE", "")]
    [TestCase("ImageScale", "Upscale Image", "image/upscaling", false,
        "image:IMAGE upscale_method:[nearest-exact|bilinear|area|bicubic|lanczos] width:INT(512,0,16384,1) " +
        "height:INT(512,0,16384,1) crop:[disabled|center]", "IMAGE")]
    [TestCase("ImageScaleBy", "Upscale Image By", "image/upscaling", false,
        "image:IMAGE upscale_method:[nearest-exact|bilinear|area|bicubic|lanczos] scale_by:FLOAT(1,0.01,8,0.01)",
        "IMAGE")]
    [TestCase("ImageCrop", "Image Crop", "image/transform", false,
        "image:IMAGE width:INT(512,1,16384,1) height:INT(512,1,16384,1) x:INT(0,0,16384,1) y:INT(0,0,16384,1)",
        "IMAGE")]
    [TestCase("LoadImage", "Load Image", "image", false, "image:[files]", "IMAGE MASK")]
    [TestCase("SaveLatent", "SaveLatent", "_for_testing", true,
        "samples:LATENT filename_prefix:STRING(latents/ComfyUI)", "")]
    [TestCase("LoadLatent", "LoadLatent", "_for_testing", false, "latent:[]", "LATENT")]
    // latent-formats.md §2 (ComfyUI_NetDist).
    [TestCase("SaveLatentNumpy", "Save Latent (Numpy)", "remote/latent", true,
        "samples:LATENT filename_prefix:STRING(latents/ComfyUI)", "STRING")]
    [TestCase("LoadLatentNumpy", "Load Latent (Numpy)", "remote/latent", false, "latent:[]", "LATENT")]
    public void Schema_BuiltIn_MatchesComfySpec(
        string classType, string display, string category, bool isOutput, string inputs, string outputs)
    {
        NodeSchema schema = NodeRegistry.Default.Get(classType).Schema;
        Assert.That(schema.DisplayName ?? schema.ClassType, Is.EqualTo(display));
        Assert.That(schema.Category, Is.EqualTo(category));
        Assert.That(schema.IsOutputNode, Is.EqualTo(isOutput));
        Assert.That(string.Join(" ", schema.Required.Select(Describe)), Is.EqualTo(inputs));
        Assert.That(string.Join(" ", schema.Outputs.Select(o => o.Type.Name)), Is.EqualTo(outputs));
    }

    private static string Describe(InputSpec input)
    {
        string N(double? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "-";
        string I(Int128? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "-";
        return input.Name + ":" + input switch
        {
            IntInput i => $"INT({i.Default},{I(i.Min)},{I(i.Max)},{I(i.Step)})",
            FloatInput f => $"FLOAT({N(f.Default)},{N(f.Min)},{N(f.Max)},{N(f.Step)})",
            StringInput s => $"STRING({s.Default})",
            ComboInput c when c.ImageUpload => "[files]",
            ComboInput c => "[" + string.Join("|", c.Options(s_env)) + "]",
            _ => input.Type.Name,
        };
    }
}
