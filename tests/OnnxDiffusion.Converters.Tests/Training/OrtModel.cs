using Microsoft.ML.OnnxRuntime;

namespace OnnxDiffusion.Converters.Tests.Training;

/// <summary>Runs a model file on ORT CPU with float inputs (tests only).</summary>
internal sealed class OrtModel : IDisposable
{
    private readonly InferenceSession _session;

    public OrtModel(string path)
    {
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        _session = new InferenceSession(path, options);
    }

    public Dictionary<string, float[]> Run(params (string Name, float[] Data, long[] Shape)[] inputs)
    {
        var values = inputs.Select(i => OrtValue.CreateTensorValueFromMemory(i.Data, i.Shape)).ToList();
        try
        {
            using var runOptions = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(runOptions,
                inputs.Select(i => i.Name).ToArray(), values, _session.OutputNames);
            var result = new Dictionary<string, float[]>();
            for (int i = 0; i < outputs.Count; i++)
            {
                result[_session.OutputNames[i]] = outputs[i].GetTensorDataAsSpan<float>().ToArray();
            }

            return result;
        }
        finally
        {
            values.ForEach(v => v.Dispose());
        }
    }

    public void Dispose() => _session.Dispose();
}

/// <summary>Seeded Gaussian test data.</summary>
internal static class Gaussian
{
    public static float[] Draw(int seed, int count, double std = 1, double mean = 0)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
            values[i] = (float)(mean + (std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2)));
        }

        return values;
    }
}
