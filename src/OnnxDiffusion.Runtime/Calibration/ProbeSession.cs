using System.Globalization;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Passes;
using OnnxDiffusion.Graph.Proto;
using OnnxDiffusion.Runtime.Onnx;

namespace OnnxDiffusion.Runtime.Calibration;

/// <summary>
/// An ORT session over a <em>probe copy</em> of a model: the same graph with the requested intermediate tensors
/// added as graph outputs. The copy is built in memory and never written: initializers stored in external data
/// files keep pointing at those files (ORT reads them from the source folder, so a 3.4 GB UNet is not copied),
/// small inline initializers are inlined again. Owns the session; not thread-safe.
/// </summary>
public sealed class ProbeSession : IDisposable
{
    private const string ExternalFolderKey = "session.model_external_initializers_file_folder_path";

    private ProbeSession(InferenceSession session, IReadOnlyList<string> probed, IReadOnlyList<string> probedInputs)
    {
        Session = session;
        ProbedNames = probed;
        ProbedInputs = probedInputs;
    }

    /// <summary>The ORT session (owned).</summary>
    public InferenceSession Session { get; }

    /// <summary>
    /// The requested tensors that the probe copy exposes, in ordinal order (graph inputs, initializers and names
    /// that are not float/float16 values of the graph are left out).
    /// </summary>
    public IReadOnlyList<string> ProbedNames { get; }

    /// <summary>The requested tensors that are float/float16 graph inputs (reported from the fed values).</summary>
    public IReadOnlyList<string> ProbedInputs { get; }

    /// <summary>
    /// Builds the probe copy of <paramref name="model"/> exposing <paramref name="tensorNames"/> and opens it with
    /// <paramref name="config"/> (provider, threads, optimization level; the optimized-model cache and profiling
    /// are not used). The model is not mutated.
    /// </summary>
    /// <exception cref="ModelFormatException">ORT cannot load the probe copy.</exception>
    public static ProbeSession Create(OnnxModel model, IReadOnlyCollection<string> tensorNames, SessionConfig config)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tensorNames);
        ArgumentNullException.ThrowIfNull(config);
        (ModelProto proto, string? folder, IReadOnlyList<string> probed) = BuildProto(model, tensorNames);
        string[] probedInputs = [.. model.Graph.Input.Where(i => tensorNames.Contains(i.Name) &&
            i.Type?.TensorType?.ElemType is (int)ElementType.Float or (int)ElementType.Float16).Select(i => i.Name)];
        OrtEnvironment.Ensure(config.IntraOpThreads);
        SessionConfig plain = config with { OptimizedModelCacheDir = null, ProfilePrefix = null };
        using SessionOptions options = ModelSession.BuildOptions(plain, null, "probe.onnx", out _);
        if (folder is not null)
        {
            options.AddSessionConfigEntry(ExternalFolderKey, folder);
        }

        try
        {
            return new ProbeSession(new InferenceSession(proto.ToByteArray(), options), probed, probedInputs);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelFormatException(
                $"ONNX Runtime could not load the calibration probe copy of the model: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Runs the session on <paramref name="inputs"/> (owned by the caller), hands every probed graph input and every
    /// requested output (the probed names and any model outputs the caller needs, e.g. <c>out_sample</c>) to
    /// <paramref name="visit"/> as float32 (float16 widened). The spans are valid only during the callback.
    /// </summary>
    /// <exception cref="OperationCanceledException">When cancelled (the run is terminated).</exception>
    public void Run(IReadOnlyDictionary<string, OrtValue> inputs, IReadOnlyList<string> outputs,
        ActivationCallback visit, int sample, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        float[] buffer = [];
        foreach (string name in ProbedInputs)
        {
            if (inputs.TryGetValue(name, out OrtValue? input))
            {
                Visit(input, name, visit, sample, ref buffer);
            }
        }

        using var runOptions = new RunOptions();
        using CancellationTokenRegistration registration =
            cancellationToken.Register(static o => ((RunOptions)o!).Terminate = true, runOptions);
        IDisposableReadOnlyCollection<OrtValue> results;
        try
        {
            results = Session.Run(runOptions, inputs.Keys.ToArray(), inputs.Values.ToArray(), outputs.ToArray());
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }

        using (results)
        {
            for (int i = 0; i < outputs.Count; i++)
            {
                Visit(results[i], outputs[i], visit, sample, ref buffer);
            }
        }
    }

    private static void Visit(OrtValue value, string name, ActivationCallback visit, int sample, ref float[] buffer)
    {
        if (value.GetTensorTypeAndShape().ElementDataType != TensorElementType.Float16)
        {
            visit(sample, name, value.GetTensorDataAsSpan<float>());
            return;
        }

        ReadOnlySpan<Float16> half = value.GetTensorDataAsSpan<Float16>();
        if (buffer.Length < half.Length)
        {
            buffer = new float[half.Length];
        }

        for (int j = 0; j < half.Length; j++)
        {
            buffer[j] = (float)half[j];
        }

        visit(sample, name, buffer.AsSpan(0, half.Length));
    }

    /// <inheritdoc />
    public void Dispose() => Session.Dispose();

    private static (ModelProto Proto, string? Folder, IReadOnlyList<string> Probed) BuildProto(
        OnnxModel model, IReadOnlyCollection<string> tensorNames)
    {
        ModelProto proto = model.Proto.Clone();
        string? folder = model.Initializers.Values.OfType<ExternalFileInitializerData>()
            .Select(d => Path.GetDirectoryName(Path.GetFullPath(d.Path))).FirstOrDefault();
        foreach ((string name, IInitializerData data) in model.Initializers)
        {
            var tensor = new TensorProto { Name = name, DataType = (int)data.ElementType };
            tensor.Dims.Add(data.Shape);
            if (data is ExternalFileInitializerData external && folder is not null)
            {
                tensor.DataLocation = TensorProto.Types.DataLocation.External;
                AddEntry(tensor, "location", Path.GetRelativePath(folder, Path.GetFullPath(external.Path)));
                AddEntry(tensor, "offset", external.Offset.ToString(CultureInfo.InvariantCulture));
                AddEntry(tensor, "length", data.ByteLength().ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                tensor.RawData = ByteString.CopyFrom(data.ToBytes());
            }

            proto.Graph.Initializer.Add(tensor);
        }

        IReadOnlyDictionary<string, ElementType> types = ValueTypes.Infer(model);
        var existing = new HashSet<string>(proto.Graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        var inputs = new HashSet<string>(proto.Graph.Input.Select(o => o.Name), StringComparer.Ordinal);
        var probed = new List<string>();
        foreach (string name in tensorNames.Distinct().Order(StringComparer.Ordinal))
        {
            if (!types.TryGetValue(name, out ElementType type) || type is not (ElementType.Float or ElementType.Float16)
                || model.Initializers.ContainsKey(name) || inputs.Contains(name))
            {
                continue;
            }

            probed.Add(name);
            if (existing.Add(name))
            {
                proto.Graph.Output.Add(new ValueInfoProto
                {
                    Name = name,
                    Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type } },
                });
            }
        }

        return (proto, folder, probed);
    }

    private static void AddEntry(TensorProto tensor, string key, string value) =>
        tensor.ExternalData.Add(new StringStringEntryProto { Key = key, Value = value });
}

/// <summary>
/// One probed tensor of one calibration sample; <paramref name="values"/> is valid only during the call.
/// </summary>
/// <param name="sample">0-based sample index (one per model evaluation).</param>
/// <param name="tensorName">The tensor's name in the fp32 graph.</param>
/// <param name="values">All elements in C order as float32.</param>
public delegate void ActivationCallback(int sample, string tensorName, ReadOnlySpan<float> values);
