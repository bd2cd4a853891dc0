using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OnnxDiffusion.Converters.Precision;
using OnnxDiffusion.Converters.Precision.Calibration;
using OnnxDiffusion.Converters.Precision.Int8;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Passes;
using OnnxDiffusion.Graph.Proto;
using OnnxDiffusion.Graph.Serialization;

namespace OnnxDiffusion.Benchmarks;

/// <summary>
/// Precision variants on full-size UNets (ORT CPU):
/// <c>precision-calibrate PKG -o stats.json [--samples N] [--size 256]</c> gathers INT8 statistics of the fp32
/// UNet over random latents × timesteps (the stand-in for the runtime's calibration runner);
/// <c>precision-bench [--size 256] [--runs N] [--threads T] NAME=PKG …</c> times one UNet evaluation (CFG batch 2)
/// per package, the first being the reference for the error columns.
/// </summary>
internal static class PrecisionBenchmark
{
    public static int Calibrate(string package, string output, int samples, int size)
    {
        var clock = Stopwatch.StartNew();
        OnnxModel model = ModelLoader.Load(Path.Combine(package, "unet", "model.onnx"));
        var tensors = new SortedSet<string>(StringComparer.Ordinal);
        foreach (ICalibratedPass pass in PrecisionPipelines.Int8Static(new Int8Options(), ActivationStatistics.Empty)
            .Passes.OfType<ICalibratedPass>())
        {
            tensors.UnionWith(pass.CalibrationTensors(model));
        }

        var probe = new UNetProbe(samples, size);
        ActivationStatistics statistics = CalibrationRunner.Collect(model, probe, tensors);
        ActivationStatisticsFile.Save(output, new Dictionary<string, ActivationStatistics> { ["unet"] = statistics });
        Console.WriteLine($"calibrated {statistics.Tensors.Count} tensors over {samples} samples at {size}² in " +
            $"{clock.Elapsed.TotalSeconds:F0} s -> {output}");
        return 0;
    }

    public static int Bench(IReadOnlyList<(string Name, string Package)> packages, int size, int runs, int threads)
    {
        Dictionary<string, Array> inputs = UNetProbe.Inputs(new Random(7), size, 500f);
        float[]? reference = null;
        double referenceMedian = 0;
        Console.WriteLine(
            "| variant | unet bytes | create s | min ms | median ms | speed-up | rel. RMS err | out PSNR dB |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach ((string name, string package) in packages)
        {
            string path = Path.Combine(package, "unet", "model.onnx");
            long bytes = Directory.EnumerateFiles(Path.GetDirectoryName(path)!).Sum(f => new FileInfo(f).Length);
            var create = Stopwatch.StartNew();
            using var options = new SessionOptions
            {
                IntraOpNumThreads = threads, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            };
            using var session = new InferenceSession(path, options);
            double createSeconds = create.Elapsed.TotalSeconds;
            float[] output = UNetProbe.RunOnce(session, inputs, [])["out_sample"];
            UNetProbe.RunOnce(session, inputs, []);
            var times = new List<double>();
            for (int i = 0; i < runs; i++)
            {
                var clock = Stopwatch.StartNew();
                UNetProbe.RunOnce(session, inputs, []);
                times.Add(clock.Elapsed.TotalMilliseconds);
            }

            times.Sort();
            double median = times[times.Count / 2];
            reference ??= output;
            referenceMedian = referenceMedian == 0 ? median : referenceMedian;
            (double rms, double psnr) = Errors(reference, output);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {bytes / 1e6:F0} MB | {createSeconds:F1} | {times[0]:F0} | {median:F0} | " +
                $"{referenceMedian / median:F2}× | {rms:E2} | {psnr:F1} |"));
        }

        return 0;
    }

    private static (double Rms, double Psnr) Errors(float[] reference, float[] output)
    {
        double num = 0, den = 0, peak = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double d = output[i] - (double)reference[i];
            num += d * d;
            den += reference[i] * (double)reference[i];
            peak = Math.Max(peak, Math.Abs(reference[i]));
        }

        double mse = num / reference.Length;
        return (Math.Sqrt(num / den), mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(peak * peak / mse));
    }

    /// <summary>
    /// An <see cref="IActivationProbe"/> for big UNets: writes a probe copy of the model proto next to its external
    /// data (no weight copy), with the requested tensors as extra outputs, and runs it on seeded random inputs.
    /// </summary>
    private sealed class UNetProbe(int samples, int size) : IActivationProbe
    {
        public void Run(OnnxModel model, IReadOnlyCollection<string> tensorNames, IActivationObserver observer,
            CancellationToken cancellationToken = default)
        {
            string folder = model.Initializers.Values.OfType<ExternalFileInitializerData>()
                .Select(d => Path.GetDirectoryName(d.Path)!).First();
            string path = Path.Combine(folder, $"model.probe-{Guid.NewGuid():N}.onnx");
            try
            {
                File.WriteAllBytes(path, ProbeProto(model, tensorNames, folder).ToByteArray());
                using var options = new SessionOptions
                {
                    IntraOpNumThreads = 2, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC,
                    LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
                };
                using var session = new InferenceSession(path, options);
                var random = new Random(11);
                for (int s = 0; s < samples; s++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    float timestep = 25 + (950f * s / Math.Max(1, samples - 1));
                    foreach ((string name, float[] values) in RunOnce(session, Inputs(random, size, timestep),
                        tensorNames))
                    {
                        observer.Observe(s, name, values);
                    }

                    Console.WriteLine($"  calibration sample {s + 1}/{samples} (t = {timestep:F0})");
                }
            }
            finally
            {
                File.Delete(path);
            }
        }

        public static Dictionary<string, Array> Inputs(Random random, int size, float timestep) => new()
        {
            ["sample"] = Gaussian(random, 2 * 4 * (size / 8) * (size / 8)),
            ["timestep"] = new[] { timestep, timestep },
            ["encoder_hidden_states"] = Gaussian(random, 2 * 77 * 768),
        };

        public static Dictionary<string, float[]> RunOnce(InferenceSession session, Dictionary<string, Array> inputs,
            IReadOnlyCollection<string> extra)
        {
            var values = new List<OrtValue>();
            try
            {
                var feed = new Dictionary<string, OrtValue>();
                foreach ((string name, Array data) in inputs)
                {
                    NodeMetadata meta = session.InputMetadata[name];
                    long[] shape = name switch
                    {
                        "timestep" => [2],
                        "encoder_hidden_states" => [2, 77, 768],
                        _ => [2, 4, (long)Math.Sqrt(data.Length / 8), (long)Math.Sqrt(data.Length / 8)],
                    };
                    OrtValue value = meta.ElementDataType == TensorElementType.Float16
                        ? OrtValue.CreateTensorValueFromMemory(ToHalf((float[])data), shape)
                        : OrtValue.CreateTensorValueFromMemory((float[])data, shape);
                    values.Add(value);
                    feed[name] = value;
                }

                string[] names = [.. session.OutputNames.Where(n => n == "out_sample" || extra.Contains(n))];
                using var run = new RunOptions();
                using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(run, feed, names);
                var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
                for (int i = 0; i < names.Length; i++)
                {
                    OrtValue o = outputs[i];
                    result[names[i]] = o.GetTensorTypeAndShape().ElementDataType == TensorElementType.Float16
                        ? Array.ConvertAll(MemoryMarshal.Cast<Float16, Half>(o.GetTensorDataAsSpan<Float16>())
                            .ToArray(), h => (float)h)
                        : o.GetTensorDataAsSpan<float>().ToArray();
                }

                return result;
            }
            finally
            {
                values.ForEach(v => v.Dispose());
            }
        }

        private static ModelProto ProbeProto(OnnxModel model, IReadOnlyCollection<string> tensors, string folder)
        {
            ModelProto proto = model.Proto.Clone();
            foreach ((string name, IInitializerData data) in model.Initializers)
            {
                var tensor = new TensorProto { Name = name, DataType = (int)data.ElementType };
                tensor.Dims.Add(data.Shape);
                if (data is ExternalFileInitializerData external)
                {
                    tensor.DataLocation = TensorProto.Types.DataLocation.External;
                    tensor.ExternalData.Add(new StringStringEntryProto
                    {
                        Key = "location", Value = Path.GetRelativePath(folder, external.Path),
                    });
                    tensor.ExternalData.Add(new StringStringEntryProto
                    {
                        Key = "offset", Value = external.Offset.ToString(CultureInfo.InvariantCulture),
                    });
                    tensor.ExternalData.Add(new StringStringEntryProto
                    {
                        Key = "length", Value = data.ByteLength().ToString(CultureInfo.InvariantCulture),
                    });
                }
                else
                {
                    tensor.RawData = ByteString.CopyFrom(data.ToBytes());
                }

                proto.Graph.Initializer.Add(tensor);
            }

            IReadOnlyDictionary<string, ElementType> types = ValueTypes.Infer(model);
            foreach (string name in tensors.Where(t => types.ContainsKey(t) && !model.Initializers.ContainsKey(t)))
            {
                proto.Graph.Output.Add(new ValueInfoProto
                {
                    Name = name,
                    Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)types[name] } },
                });
            }

            return proto;
        }

        private static float[] Gaussian(Random random, int n)
        {
            var values = new float[n];
            for (int i = 0; i < n; i++)
            {
                double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
                values[i] = (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
            }

            return values;
        }

        private static Float16[] ToHalf(float[] values) =>
            MemoryMarshal.Cast<Half, Float16>(Array.ConvertAll(values, f => (Half)f).AsSpan()).ToArray();
    }
}
