using Microsoft.ML.OnnxRuntime;

namespace OnnxDiffusion.Converters.Tests.Support;

/// <summary>Runs an exported <c>model.onnx</c> (with its external data) on the ORT CPU execution provider.</summary>
internal static class OrtModel
{
    /// <summary>Output names the model declares.</summary>
    public static string[] OutputNames(string modelPath)
    {
        using SessionOptions options = Options();
        using var session = new InferenceSession(modelPath, options);
        return [.. session.OutputNames];
    }

    /// <summary>Declared dimensions of one input (-1 for a dynamic axis).</summary>
    public static long[] InputShape(string modelPath, string input)
    {
        using SessionOptions options = Options();
        using var session = new InferenceSession(modelPath, options);
        return Array.ConvertAll(session.InputMetadata[input].Dimensions, d => (long)d);
    }

    /// <summary>
    /// Runs <paramref name="modelPath"/> with float32 or int64 inputs (array plus shape) and returns the requested
    /// float32 outputs with their shapes.
    /// </summary>
    public static Dictionary<string, (float[] Data, long[] Shape)> Run(string modelPath,
        IReadOnlyDictionary<string, (Array Data, long[] Shape)> inputs, params string[] outputs)
    {
        using SessionOptions options = Options();
        using var session = new InferenceSession(modelPath, options);
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
            using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, names, values, outputs);
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

    private static SessionOptions Options() => new()
    {
        IntraOpNumThreads = 1,
        LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
    };
}
