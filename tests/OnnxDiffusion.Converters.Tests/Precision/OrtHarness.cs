using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Proto;
using OnnxDiffusion.Graph.Serialization;

namespace OnnxDiffusion.Converters.Tests.Precision;

/// <summary>A test tensor: float or int64 data plus shape.</summary>
internal sealed record Tensor(Array Data, long[] Shape)
{
    public float[] Floats => (float[])Data;

    public static Tensor Of(float[] data, params long[] shape) => new(data, shape);
}

/// <summary>Runs <see cref="OnnxModel"/>s on ORT CPU (inputs converted to the model's float type, outputs
/// widened).</summary>
internal static class OrtHarness
{
    public static Dictionary<string, float[]> Run(OnnxModel model, IReadOnlyDictionary<string, Tensor> inputs,
        IReadOnlyCollection<string>? extraOutputs = null,
        GraphOptimizationLevel level = GraphOptimizationLevel.ORT_ENABLE_ALL)
    {
        byte[] bytes = extraOutputs is { Count: > 0 } ? WithOutputs(model, extraOutputs) : ModelWriter.ToBytes(model);
        using var options = Options(level);
        using var session = new InferenceSession(bytes, options);
        return Run(session, inputs);
    }

    /// <summary>A session over <paramref name="model"/> with <paramref name="extraOutputs"/> as graph outputs (for
    /// many runs of one model; dispose it).</summary>
    public static InferenceSession Session(OnnxModel model, IReadOnlyCollection<string> extraOutputs)
    {
        using var options = Options(GraphOptimizationLevel.ORT_ENABLE_ALL);
        byte[] bytes = extraOutputs.Count > 0 ? WithOutputs(model, extraOutputs) : ModelWriter.ToBytes(model);
        return new InferenceSession(bytes, options);
    }

    public static Dictionary<string, float[]> RunFile(string path, IReadOnlyDictionary<string, Tensor> inputs)
    {
        using var options = Options(GraphOptimizationLevel.ORT_ENABLE_ALL);
        using var session = new InferenceSession(path, options);
        return Run(session, inputs);
    }

    /// <summary>The graph ORT runs after optimization at <paramref name="level"/>, parsed back.</summary>
    public static ModelProto Optimized(OnnxModel model, string folder,
        GraphOptimizationLevel level = GraphOptimizationLevel.ORT_ENABLE_ALL)
    {
        string path = Path.Combine(folder, $"optimized-{Guid.NewGuid():N}.onnx");
        using (var options = Options(level))
        {
            options.OptimizedModelFilePath = path;
            using var session = new InferenceSession(ModelWriter.ToBytes(model), options);
        }

        using FileStream stream = File.OpenRead(path);
        return ModelProto.Parser.ParseFrom(stream);
    }

    private static SessionOptions Options(GraphOptimizationLevel level) => new()
    {
        GraphOptimizationLevel = level,
        IntraOpNumThreads = 1,
        LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
    };

    private static byte[] WithOutputs(OnnxModel model, IReadOnlyCollection<string> names)
    {
        ModelProto proto = ModelWriter.ToInlineProto(model);
        IReadOnlyDictionary<string, ElementType> types = Graph.Passes.ValueTypes.Infer(model);
        var existing = new HashSet<string>(proto.Graph.Output.Select(o => o.Name).Concat(
            proto.Graph.Input.Select(i => i.Name)));
        foreach (string name in names.Where(n => !existing.Contains(n) && types.ContainsKey(n)))
        {
            proto.Graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)types[name] } },
            });
        }

        return Google.Protobuf.MessageExtensions.ToByteArray(proto);
    }

    public static Dictionary<string, float[]> Run(InferenceSession session, IReadOnlyDictionary<string, Tensor> inputs)
    {
        var values = new List<OrtValue>();
        try
        {
            var feed = new Dictionary<string, OrtValue>();
            foreach ((string name, Tensor t) in inputs)
            {
                TensorElementType type = session.InputMetadata[name].ElementDataType;
                OrtValue v = (t.Data, type) switch
                {
                    (float[] f, TensorElementType.Float16) => OrtValue.CreateTensorValueFromMemory(ToHalf(f), t.Shape),
                    (float[] f, _) => OrtValue.CreateTensorValueFromMemory(f, t.Shape),
                    (long[] l, _) => OrtValue.CreateTensorValueFromMemory(l, t.Shape),
                    _ => throw new NotSupportedException(t.Data.GetType().Name),
                };
                values.Add(v);
                feed.Add(name, v);
            }

            using var runOptions = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, feed, session.OutputNames);
            var result = new Dictionary<string, float[]>();
            for (int i = 0; i < outputs.Count; i++)
            {
                result[session.OutputNames[i]] = ToFloats(outputs[i]);
            }

            return result;
        }
        finally
        {
            values.ForEach(v => v.Dispose());
        }
    }

    public static float[] ToFloats(OrtValue value)
    {
        TensorElementType type = value.GetTensorTypeAndShape().ElementDataType;
        return type switch
        {
            TensorElementType.Float => value.GetTensorDataAsSpan<float>().ToArray(),
            TensorElementType.Float16 => Array.ConvertAll(
                MemoryMarshal.Cast<Float16, Half>(value.GetTensorDataAsSpan<Float16>()).ToArray(), h => (float)h),
            TensorElementType.Int64 => Array.ConvertAll(value.GetTensorDataAsSpan<long>().ToArray(), l => (float)l),
            _ => throw new NotSupportedException(type.ToString()),
        };
    }

    private static Float16[] ToHalf(float[] values) =>
        MemoryMarshal.Cast<Half, Float16>(Array.ConvertAll(values, f => (Half)f).AsSpan()).ToArray();
}
