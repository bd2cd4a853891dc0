using Microsoft.ML.OnnxRuntime;

namespace OnnxDiffusion.Models.Tests.Support;

/// <summary>Runs a serialized ONNX model once on the ORT CPU execution provider (test harness).</summary>
internal static class OrtCpu
{
    /// <summary>
    /// Runs <paramref name="model"/> with float32 and int64 inputs (given as <c>float[]</c> or <c>long[]</c> plus
    /// shape) and returns every requested output as float32 data and shape.
    /// </summary>
    public static Dictionary<string, (float[] Data, long[] Shape)> Run(byte[] model,
        IReadOnlyDictionary<string, (Array Data, long[] Shape)> inputs, params string[] outputs)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        using var session = new InferenceSession(model, options);
        var names = new List<string>();
        var values = new List<OrtValue>();
        try
        {
            foreach ((string name, (Array data, long[] shape)) in inputs)
            {
                names.Add(name);
                values.Add(data switch
                {
                    float[] f => OrtValue.CreateTensorValueFromMemory(f, shape),
                    long[] l => OrtValue.CreateTensorValueFromMemory(l, shape),
                    _ => throw new ArgumentException($"Input {name}: unsupported array {data.GetType()}."),
                });
            }

            using var runOptions = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> results =
                session.Run(runOptions, names, values, outputs);
            var map = new Dictionary<string, (float[] Data, long[] Shape)>(StringComparer.Ordinal);
            for (int i = 0; i < outputs.Length; i++)
            {
                map[outputs[i]] = (results[i].GetTensorDataAsSpan<float>().ToArray(),
                    results[i].GetTensorTypeAndShape().Shape);
            }

            return map;
        }
        finally
        {
            foreach (OrtValue value in values)
            {
                value.Dispose();
            }
        }
    }
}
