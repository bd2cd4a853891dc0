using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Ops;
using OnnxDiffusion.Graph.Serialization;
using OnnxDiffusion.Runtime.Onnx;

namespace OnnxDiffusion.Benchmarks;

/// <summary>
/// <c>calibrate [--threads N]</c>: times two kernels that runtime-notes (Q3, 3.3) measured on this machine when it
/// was idle, so a slow benchmark can be told apart from a slow (loaded or throttled) machine: Conv 320→320 3×3
/// on [1, 320, 64, 64] (7.55 GFLOP; notes: 28.7 ms at 1 thread, 15.7 ms at 2) and MatMul [4096, 320]×[320, 320]
/// (0.84 GFLOP; notes: 3.17 ms at 1 thread, 1.70 ms at 2). ORT_ENABLE_ALL, 3 warm-ups, min/median of 20 runs.
/// </summary>
internal static class CalibrateCommand
{
    public static int Run(int threads)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"onnxdiff-calibrate-{Environment.ProcessId}");
        try
        {
            Time("conv 320→320 3×3 @64²", Conv(dir), "x", [1, 320, 64, 64], 7.55e9, threads);
            Time("matmul 4096×320×320", MatMul(dir), "x", [4096, 320], 2.0 * 4096 * 320 * 320, threads);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        Console.WriteLine($"load average {RuntimeBenchmark.LoadAverage()}");
        return 0;
    }

    private static string Conv(string dir)
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 1, 320, 64, 64);
        b.Output(b.Conv2d(x, "conv", outChannels: 320, kernel: 3, padding: 1), "y");
        return Write(b, Path.Combine(dir, "conv", "model.onnx"));
    }

    private static string MatMul(string dir)
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 4096, 320);
        b.Output(b.MatMul(x, b.Parameter("w", 320, 320)), "y");
        return Write(b, Path.Combine(dir, "matmul", "model.onnx"));
    }

    private static string Write(GraphBuilder b, string path)
    {
        ModelWriter.Write(b.Build(new SeededRandomInitializerSource(3)), path);
        return path;
    }

    private static void Time(string label, string model, string input, long[] shape, double flops, int threads)
    {
        using var session = ModelSession.Create(model, new SessionConfig { IntraOpThreads = threads });
        var data = new float[shape.Aggregate(1L, (a, d) => a * d)];
        var random = new Random(1);
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (float)random.NextDouble() - 0.5f;
        }

        using OrtValue value = OrtValue.CreateTensorValueFromMemory(data, shape);
        using var runOptions = new RunOptions();
        var times = new List<double>();
        for (int i = 0; i < 23; i++)
        {
            long start = Stopwatch.GetTimestamp();
            using (session.Session.Run(runOptions, [input], [value], [session.OutputNames[0]]))
            {
            }

            if (i >= 3)
            {
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }

        times.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label}, {threads} thread(s): min {times[0]:F2} ms, median {times[times.Count / 2]:F2} ms, " +
            $"{flops / 1e6 / times[0]:F0} GFLOP/s at min"));
    }
}
