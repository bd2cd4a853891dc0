using System.Runtime.InteropServices;
using OnnxDiffusion.Converters.Export;
using OnnxDiffusion.Converters.Precision;
using OnnxDiffusion.Converters.Tests.Support;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Serialization;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Synthetic;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Converters.Tests;

[Category("Integration")]
public sealed class CheckpointExporterTests
{
    [Test]
    public void Export_Fp16Package_WritesStoredDTypesWithHalfRoundedValues()
    {
        using var temp = new TempDir("onnxdiff-export");
        string checkpoint = temp.File("tiny.safetensors");
        SyntheticCheckpoint.Write(checkpoint, new SyntheticOptions { Config = Sd15Config.Tiny, Seed = 9 });
        string fp32 = CheckpointConverter.Convert(new ConvertOptions
        {
            Source = checkpoint, Output = temp.File("fp32"), SkipHash = true,
            TokenizerDir = Packages.WriteTokenizer(temp.File("tok")),
        }).PackageDir;
        string fp16 = temp.File("fp16");
        PrecisionConverter.Apply(fp32, fp16, ModelPrecision.Fp16);

        string output = temp.File("out.safetensors");
        CheckpointExporter.Export(new CheckpointExportSources(fp16, fp16, fp16), output);

        // The dtype every initializer has in the fp16 package, read independently of the exporter.
        var stored = new Dictionary<string, ElementType>();
        foreach (string component in new[] { "unet", "text_encoder", "vae_encoder", "vae_decoder" })
        {
            foreach ((string name, IInitializerData data) in
                     ModelLoader.Load(Path.Combine(fp16, component, "model.onnx")).Initializers)
            {
                stored.TryAdd(name, data.ElementType);
            }
        }

        using IWeightSource source = WeightFile.Open(checkpoint);
        using IWeightSource saved = WeightFile.Open(output);
        Assert.That(saved.Tensors.Select(t => t.Name), Is.EqualTo(source.Tensors.Select(t => t.Name)));
        int halves = 0;
        foreach (TensorInfo original in source.Tensors)
        {
            saved.TryGetInfo(original.Name, out TensorInfo copy);
            Assert.That(copy.Shape, Is.EqualTo(original.Shape), original.Name);
            if (original.DType == DType.I64)
            {
                Assert.That(saved.GetBytes(original.Name).SequenceEqual(source.GetBytes(original.Name)), Is.True);
                continue;
            }

            float[] values = MemoryMarshal.Cast<byte, float>(source.GetBytes(original.Name)).ToArray();
            if (stored[original.Name] == ElementType.Float16)
            {
                halves++;
                Assert.That(copy.DType, Is.EqualTo(DType.F16), original.Name);
                Half[] expected = [.. values.Select(v => (Half)v)];
                Assert.That(MemoryMarshal.Cast<byte, Half>(saved.GetBytes(original.Name)).SequenceEqual(expected),
                    Is.True, original.Name);
            }
            else
            {
                Assert.That(copy.DType, Is.EqualTo(DType.F32), original.Name);
                Assert.That(MemoryMarshal.Cast<byte, float>(saved.GetBytes(original.Name)).SequenceEqual(values),
                    Is.True, original.Name);
            }
        }

        Assert.That(halves, Is.GreaterThan(source.Tensors.Count / 2), "most weights of an fp16 package are fp16");
    }
}
