using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using OnnxDiffusion.Runtime.Onnx;

namespace OnnxDiffusion.Benchmarks;

/// <summary>
/// <c>flops MODEL --size N [--batch B]</c>: runs a UNet (<c>sample, timestep, encoder_hidden_states</c>) or VAE
/// decoder (<c>latent_sample</c>) once at static shapes with graph optimization disabled and profiling on, so the
/// profiled nodes are the exported graph's own with the shapes they ran at, then counts the FLOPs of every node
/// (<see cref="FlopCounter"/>). Prints GFLOP per op type and the total as <c>gflop=…</c>.
/// </summary>
internal static class FlopsCommand
{
    public static int Run(string modelPath, int size, int batch, int threads)
    {
        string prefix = Path.Combine(Path.GetTempPath(), $"onnxdiff-flops-{Environment.ProcessId}");
        var config = new SessionConfig
        {
            IntraOpThreads = threads, OptimizationLevel = "disabled", ProfilePrefix = prefix,
        };
        string profile;
        using (var session = ModelSession.Create(modelPath, config))
        {
            var inputs = Inputs(session.Session, size / 8, batch);
            try
            {
                using var runOptions = new RunOptions();
                string[] outputs = [session.OutputNames[0]];
                using var _ = session.Session.Run(runOptions, [.. inputs.Keys], [.. inputs.Values], outputs);
            }
            finally
            {
                foreach (OrtValue value in inputs.Values)
                {
                    value.Dispose();
                }
            }

            profile = session.Session.EndProfiling();
        }

        List<ProfiledNode> nodes = OrtProfile.Read(profile);
        File.Delete(profile);
        Dictionary<string, double> byOp = FlopCounter.ByOp(nodes);
        double total = byOp.Values.Sum();
        Console.WriteLine($"{modelPath} at {size}² (latent {size / 8}²), batch {batch}: {nodes.Count} nodes");
        foreach (var (op, flops) in byOp.OrderByDescending(kv => kv.Value))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {op,-22} {flops / 1e9,10:F1} GFLOP  {100 * flops / total,5:F1}%  " +
                $"({nodes.Count(n => n.OpType == op)} nodes)"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"gflop={total / 1e9:F1}"));
        return 0;
    }

    private static Dictionary<string, OrtValue> Inputs(InferenceSession session, int latent, int batch)
    {
        var meta = session.InputMetadata;
        var inputs = new Dictionary<string, OrtValue>(StringComparer.Ordinal);
        var random = new Random(5);
        OrtValue Floats(long[] shape)
        {
            var data = new float[shape.Aggregate(1L, (a, d) => a * d)];
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = (float)((random.NextDouble() * 2) - 1);
            }

            return OrtValue.CreateTensorValueFromMemory(data, shape);
        }

        if (meta.ContainsKey("latent_sample"))
        {
            inputs["latent_sample"] = Floats([batch, 4, latent, latent]);
            return inputs;
        }

        int channels = meta["sample"].Dimensions[1] > 0 ? meta["sample"].Dimensions[1] : 4;
        int dim = meta["encoder_hidden_states"].Dimensions[2] > 0 ? meta["encoder_hidden_states"].Dimensions[2] : 768;
        inputs["sample"] = Floats([batch, channels, latent, latent]);
        inputs["timestep"] = OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(500f, batch).ToArray(), [batch]);
        inputs["encoder_hidden_states"] = Floats([batch, 77, dim]);
        return inputs;
    }
}
