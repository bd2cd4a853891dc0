using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Serialization;

namespace OnnxDiffusion.Graph.Tests;

/// <summary>A named input or output tensor for tests: raw data plus shape.</summary>
internal sealed record TestTensor(Array Data, long[] Shape)
{
    public float[] Floats => (float[])Data;

    public long[] Longs => (long[])Data;

    public bool[] Bools => (bool[])Data;

    public static TestTensor Of(float[] data, params long[] shape) => new(data, shape);

    public static TestTensor Of(long[] data, params long[] shape) => new(data, shape);
}

/// <summary>Runs an <see cref="OnnxModel"/> (or model file) on ORT CPU with all optimizations off or on.</summary>
internal static class OrtRunner
{
    public static Dictionary<string, TestTensor> Run(OnnxModel model, params (string Name, TestTensor Value)[] inputs)
    {
        using InferenceSession session = CreateSession(model);
        return Run(session, inputs);
    }

    /// <summary>A session for repeated runs (optimizations off, one thread); the caller disposes it.</summary>
    public static InferenceSession CreateSession(OnnxModel model)
    {
        using var options = CreateOptions();
        return new InferenceSession(ModelWriter.ToBytes(model), options);
    }

    public static Dictionary<string, TestTensor> RunFile(string path, params (string Name, TestTensor Value)[] inputs)
    {
        using var options = CreateOptions();
        using var session = new InferenceSession(path, options);
        return Run(session, inputs);
    }

    /// <summary>Convenience: one input "x" of floats, one output read back as floats.</summary>
    public static float[] RunSingle(OnnxModel model, string input, float[] data, long[] shape, string output = "y") =>
        Run(model, (input, TestTensor.Of(data, shape)))[output].Floats;

    private static SessionOptions CreateOptions() => new()
    {
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
        IntraOpNumThreads = 1,
        LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
    };

    public static Dictionary<string, TestTensor> Run(
        InferenceSession session, (string Name, TestTensor Value)[] inputs)
    {
        var values = new List<OrtValue>();
        try
        {
            var feed = new Dictionary<string, OrtValue>();
            foreach ((string name, TestTensor t) in inputs)
            {
                OrtValue v = t.Data switch
                {
                    float[] f => OrtValue.CreateTensorValueFromMemory(f, t.Shape),
                    double[] d => OrtValue.CreateTensorValueFromMemory(d, t.Shape),
                    long[] l => OrtValue.CreateTensorValueFromMemory(l, t.Shape),
                    bool[] b => OrtValue.CreateTensorValueFromMemory(b, t.Shape),
                    _ => throw new NotSupportedException(t.Data.GetType().Name),
                };
                values.Add(v);
                feed.Add(name, v);
            }

            using var runOptions = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> outputs =
                session.Run(runOptions, feed, session.OutputNames);
            var result = new Dictionary<string, TestTensor>();
            for (int i = 0; i < outputs.Count; i++)
            {
                OrtValue o = outputs[i];
                OrtTensorTypeAndShapeInfo info = o.GetTensorTypeAndShape();
                Array data = info.ElementDataType switch
                {
                    TensorElementType.Float => o.GetTensorDataAsSpan<float>().ToArray(),
                    TensorElementType.Double => o.GetTensorDataAsSpan<double>().ToArray(),
                    TensorElementType.Int64 => o.GetTensorDataAsSpan<long>().ToArray(),
                    TensorElementType.Bool => o.GetTensorDataAsSpan<bool>().ToArray(),
                    _ => throw new NotSupportedException(info.ElementDataType.ToString()),
                };
                result.Add(session.OutputNames[i], new TestTensor(data, info.Shape));
            }

            return result;
        }
        finally
        {
            foreach (OrtValue v in values)
            {
                v.Dispose();
            }
        }
    }
}

/// <summary>Seeded test data and tolerance assertions.</summary>
internal static class TestData
{
    public static float[] Random(int seed, int count, float scale = 1f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(((random.NextDouble() * 2) - 1) * scale);
        }

        return values;
    }

    public static void AssertClose(float[] actual, float[] expected, double atol = 1e-5, double rtol = 1e-4)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), "length");
        double worst = 0;
        int worstIndex = -1;
        for (int i = 0; i < actual.Length; i++)
        {
            double diff = Math.Abs(actual[i] - expected[i]);
            double excess = diff - (atol + (rtol * Math.Abs(expected[i])));
            if (excess > worst || double.IsNaN(diff))
            {
                worst = double.IsNaN(diff) ? double.PositiveInfinity : excess;
                worstIndex = i;
            }
        }

        Assert.That(worstIndex, Is.EqualTo(-1),
            () => $"max excess {worst} at index {worstIndex}: actual {actual[worstIndex]} expected " +
                $"{expected[worstIndex]} (atol {atol}, rtol {rtol})");
    }

    /// <summary>Byte-for-byte equality without NUnit's slow per-element comparison of large arrays.</summary>
    public static void AssertSameBytes(byte[] actual, byte[] expected)
    {
        int mismatch = actual.AsSpan().CommonPrefixLength(expected);
        Assert.That(mismatch == actual.Length && actual.Length == expected.Length, Is.True,
            $"bytes differ at offset {mismatch} (lengths {actual.Length} and {expected.Length})");
    }

    /// <summary>A source that returns explicit arrays for some keys and fails for the rest.</summary>
    public static DictionaryInitializerSource Weights(params (string Key, float[] Data, long[] Shape)[] weights) =>
        new(weights.ToDictionary(w => w.Key, w => (IInitializerData)InitializerData.FromFloats(w.Data, w.Shape)));
}
