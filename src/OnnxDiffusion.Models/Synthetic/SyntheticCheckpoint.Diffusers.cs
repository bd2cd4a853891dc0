using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.Models.Layouts;

namespace OnnxDiffusion.Models.Synthetic;

/// <summary>The diffusers-folder output of <see cref="SyntheticCheckpoint"/>.</summary>
public static partial class SyntheticCheckpoint
{
    private static readonly (string Component, string File)[] s_diffusersFiles =
    [
        ("unet", "diffusion_pytorch_model.safetensors"),
        ("text_encoder", "model.safetensors"),
        ("vae", "diffusion_pytorch_model.safetensors"),
    ];

    private static long WriteDiffusers(string folder, SyntheticOptions options, IProgress<long>? bytesWritten)
    {
        var byComponent = s_diffusersFiles.ToDictionary(f => f.Component + "/", _ => new List<TensorToWrite>());
        foreach ((string ldm, long[] shape, SyntheticInit init) in Plan(options.Config))
        {
            string diffusers = Sd15DiffusersKeyMap.ToDiffusers(ldm);
            int slash = diffusers.IndexOf('/');
            DType dtype = Sd15Layout.StoredDType(ldm, options.DType);
            // Same bytes as the LDM file: values come from the LDM name and shape; only the name (and, for the VAE
            // attention projections, the shape [C, C, 1, 1] → [C, C]) changes.
            byComponent[diffusers[..(slash + 1)]].Add(new TensorToWrite(diffusers[(slash + 1)..], dtype,
                Sd15DiffusersKeyMap.ToDiffusersShape(ldm, shape),
                stream => SyntheticTensorGenerator.WriteTo(stream, options.Seed, ldm, init, shape, dtype)));
        }

        Directory.CreateDirectory(folder);
        long done = 0;
        long bytes = 0;
        foreach ((string component, string file) in s_diffusersFiles)
        {
            string path = Path.Combine(folder, component, file);
            long offset = done;
            var progress = bytesWritten is null ? null : new Progress(b => bytesWritten.Report(offset + b));
            SafetensorsWriter.Write(path, byComponent[component + "/"], Metadata(options), progress);
            long size = new FileInfo(path).Length;
            done += byComponent[component + "/"].Sum(t => t.ByteLength);
            bytes += size;
        }

        SyntheticDiffusersConfigs.Write(folder, options);
        return bytes;
    }

    /// <summary>Synchronous progress adapter (Progress&lt;T&gt; would post to a thread pool).</summary>
    private sealed class Progress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
