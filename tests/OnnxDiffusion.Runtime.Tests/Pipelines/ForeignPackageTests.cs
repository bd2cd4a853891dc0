using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Proto;
using OnnxDiffusion.Graph.Serialization;
using OnnxDiffusion.Runtime.Pipelines;

namespace OnnxDiffusion.Runtime.Tests.Pipelines;

/// <summary>
/// Packages in the optimum / OnnxStack layout: no onnxdiffusion.json, an int64 UNet timestep and int32
/// input_ids. Made from the tiny package by removing the manifest and wrapping graph inputs in a Cast.
/// </summary>
[Category("Integration")]
public sealed class ForeignPackageTests
{
    private static GenerationRequest Request() => new()
    {
        Prompt = "a lighthouse at dusk", Width = 64, Height = 64, Steps = 3, Cfg = 5, Seed = 21,
    };

    private static FloatTensor Generate(string package) =>
        new StableDiffusionPipeline(TinyPackages.Open(package)).Generate(Request()).Images;

    [Test]
    public void NoManifest_LoadsWithInferredDefaults_AndGeneratesTheSameImage()
    {
        string copy = TinyPackages.CopyOf(TinyPackages.Standard, "no-manifest");
        File.Delete(Path.Combine(copy, PackageManifest.FileName));
        DiffusionPackage package = TinyPackages.Open(copy);

        Assert.That(package.Manifest, Is.EqualTo(PackageManifest.InferDefault()).Using<PackageManifest>(SameMeaning));
        Assert.That(package.Manifest.LatentScale, Is.EqualTo(0.18215f));
        Assert.That(Generate(copy).Data, Is.EqualTo(Generate(TinyPackages.Standard).Data));
    }

    [Test]
    public void Int64TimestepAndInt32InputIds_GenerateTheSameImage()
    {
        string copy = TinyPackages.CopyOf(TinyPackages.Standard, "optimum-types");
        File.Delete(Path.Combine(copy, PackageManifest.FileName));
        var layout = new PackageLayout(copy);
        var original = new PackageLayout(TinyPackages.Standard);
        WrapInput(original.ModelPath(PackageLayout.UNet), layout.ModelPath(PackageLayout.UNet),
            "timestep", TensorProto.Types.DataType.Int64, TensorProto.Types.DataType.Float);
        WrapInput(original.ModelPath(PackageLayout.TextEncoder), layout.ModelPath(PackageLayout.TextEncoder),
            "input_ids", TensorProto.Types.DataType.Int32, TensorProto.Types.DataType.Int64);
        DiffusionPackage package = TinyPackages.Open(copy);

        var unetInputs = package.Session(PackageLayout.UNet).Session.InputMetadata;
        var textInputs = package.Session(PackageLayout.TextEncoder).Session.InputMetadata;
        Assert.That(unetInputs["timestep"].ElementDataType.ToString(), Is.EqualTo("Int64"));
        Assert.That(textInputs["input_ids"].ElementDataType.ToString(), Is.EqualTo("Int32"));
        // ComfyUI timesteps are integers, so an int64 UNet sees exactly what the float one sees.
        Assert.That(PlainOrt.MaxAbsDiff(Generate(copy).Data, Generate(TinyPackages.Standard).Data),
            Is.LessThanOrEqualTo(1e-6f));
    }

    /// <summary>
    /// Rewrites <paramref name="source"/> so graph input <paramref name="input"/> takes <paramref name="newType"/>
    /// and is cast to <paramref name="originalType"/> before its first use, as optimum exports look.
    /// </summary>
    private static void WrapInput(string source, string destination, string input,
        TensorProto.Types.DataType newType, TensorProto.Types.DataType originalType)
    {
        OnnxModel model = ModelLoader.Load(source);
        string cast = input + "/as_original";
        foreach (NodeProto node in model.Graph.Node)
        {
            for (int i = 0; i < node.Input.Count; i++)
            {
                if (node.Input[i] == input)
                {
                    node.Input[i] = cast;
                }
            }
        }

        model.Graph.Input.Single(v => v.Name == input).Type.TensorType.ElemType = (int)newType;
        var node0 = new NodeProto { Name = input + "/Cast", OpType = "Cast", Input = { input }, Output = { cast } };
        node0.Attribute.Add(new AttributeProto
        {
            Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = (long)originalType,
        });
        model.Graph.Node.Insert(0, node0);
        // The data file is referenced by its name relative to the model: stage both under the final names.
        string staging = Path.Combine(Path.GetDirectoryName(destination)!, "staging", Path.GetFileName(destination));
        ModelWriter.Write(model, staging, new ModelWriteOptions { ForceExternalData = true });
        File.Move(staging, destination, overwrite: true);
        File.Move(staging + ".data", destination + ".data", overwrite: true);
        Directory.Delete(Path.GetDirectoryName(staging)!);
    }

    private static bool SameMeaning(PackageManifest a, PackageManifest b) =>
        a.Family == b.Family && a.PredictionType == b.PredictionType && a.LatentScale.Equals(b.LatentScale) &&
        a.Precision.OrderBy(kv => kv.Key).SequenceEqual(b.Precision.OrderBy(kv => kv.Key));
}
