using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Runtime.Onnx;

namespace OnnxDiffusion.Runtime.Components;

/// <summary>
/// Runs the UNet with IOBinding: <see cref="Bind"/> allocates the sample, timestep, context and output buffers
/// once per generation and binds them; each <see cref="Run"/> then costs zero managed allocations. Callers write
/// the scaled latents straight into <see cref="Sample"/> (<c>[B, C, h, w]</c>, cond and uncond stacked for CFG)
/// and read the prediction from <see cref="Output"/> (<c>[B, 4, h, w]</c>). Works with float32 and float16 models
/// and with float32, float16 or int64 timesteps of rank 0 or 1 (diffusers, optimum and OnnxStack exports).
/// Not thread-safe. Owns its buffers and binding, not the session.
/// </summary>
public sealed class UNetRunner : IDisposable
{
    /// <summary>Diffusers/optimum input and output names.</summary>
    public const string SampleName = "sample";

    /// <summary>Timestep input name.</summary>
    public const string TimestepName = "timestep";

    /// <summary>Text-context input name.</summary>
    public const string ContextName = "encoder_hidden_states";

    /// <summary>Output name.</summary>
    public const string OutputName = "out_sample";

    private readonly ModelSession _session;
    private readonly TensorElementType _sampleType;
    private readonly TensorElementType _timestepType;
    private readonly TensorElementType _contextType;
    private readonly TensorElementType _outputType;
    private readonly bool _timestepIsScalar;
    private readonly List<OrtValue> _values = [];
    private OrtIoBinding? _binding;
    private RunOptions? _runOptions;
    private float[] _sample = [];
    private Float16[] _sampleHalf = [];
    private float[] _output = [];
    private Float16[] _outputHalf = [];
    private float[] _timestepF = [];
    private Float16[] _timestepH = [];
    private long[] _timestepL = [];

    /// <summary>Wraps a UNet session, checking its inputs and outputs.</summary>
    /// <exception cref="ModelFormatException">The model lacks the diffusers UNet inputs or output.</exception>
    public UNetRunner(ModelSession session)
    {
        _session = session;
        var inputs = session.Session.InputMetadata;
        foreach (string name in new[] { SampleName, TimestepName, ContextName })
        {
            if (!inputs.ContainsKey(name))
            {
                throw new ModelFormatException($"{session.ModelPath} has no UNet input '{name}' (inputs: " +
                    $"{string.Join(", ", inputs.Keys)}). Is this a UNet exported in the diffusers/optimum layout?");
            }
        }

        if (!session.Session.OutputMetadata.TryGetValue(OutputName, out var outMeta))
        {
            throw new ModelFormatException($"{session.ModelPath} has no UNet output '{OutputName}'.");
        }

        _sampleType = inputs[SampleName].ElementDataType;
        _timestepType = inputs[TimestepName].ElementDataType;
        _timestepIsScalar = inputs[TimestepName].Dimensions.Length == 0;
        _contextType = inputs[ContextName].ElementDataType;
        _outputType = outMeta.ElementDataType;
        InChannels = inputs[SampleName].Dimensions is { Length: 4 } d && d[1] > 0 ? d[1] : 4;
    }

    /// <summary>Latent channels the UNet takes (4, or 9 for inpainting models).</summary>
    public int InChannels { get; }

    /// <summary>Batch size bound by the last <see cref="Bind"/>.</summary>
    public int Batch { get; private set; }

    /// <summary>The float32 sample buffer to fill before <see cref="Run"/>, <c>[Batch, InChannels, h, w]</c>.</summary>
    public Span<float> Sample => _sample;

    /// <summary>The prediction of the last <see cref="Run"/> as float32, <c>[Batch, 4, h, w]</c>.</summary>
    public ReadOnlySpan<float> Output => _output;

    /// <summary>
    /// Allocates and binds every buffer for <paramref name="batch"/> samples of <paramref name="height"/> ×
    /// <paramref name="width"/> latents and the text context <c>[batch, tokens, dim]</c> (copied once).
    /// </summary>
    public void Bind(int batch, int height, int width, ReadOnlySpan<float> context, int tokens, int dim)
    {
        if (context.Length != (long)batch * tokens * dim)
        {
            throw new ArgumentException($"Context has {context.Length} values, expected {batch}×{tokens}×{dim}.");
        }

        ReleaseBinding();
        Batch = batch;
        _binding = _session.Session.CreateIoBinding();
        _runOptions = new RunOptions();
        long[] sampleShape = [batch, InChannels, height, width];
        long[] outShape = [batch, 4, height, width];
        _sample = new float[batch * InChannels * height * width];
        _output = new float[batch * 4 * height * width];
        BindFloat(SampleName, _sampleType, _sample, ref _sampleHalf, sampleShape, input: true);
        BindFloat(OutputName, _outputType, _output, ref _outputHalf, outShape, input: false);
        float[] contextCopy = context.ToArray();
        Float16[] contextHalf = [];
        BindFloat(ContextName, _contextType, contextCopy, ref contextHalf, [batch, tokens, dim], input: true);
        if (_contextType == TensorElementType.Float16)
        {
            TensorPrimitives.ConvertToHalf(contextCopy, MemoryMarshal.Cast<Float16, Half>(contextHalf.AsSpan()));
        }

        BindTimestep(batch);
    }

    /// <summary>Runs one evaluation on the bound buffers with per-sample <paramref name="timesteps"/>.</summary>
    /// <exception cref="InvalidOperationException"><see cref="Bind"/> was not called.</exception>
    public void Run(ReadOnlySpan<float> timesteps, CancellationToken cancellationToken = default)
    {
        if (_binding is null || _runOptions is null)
        {
            throw new InvalidOperationException("Call Bind before Run.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        SetTimesteps(timesteps);
        if (_sampleType == TensorElementType.Float16)
        {
            TensorPrimitives.ConvertToHalf(_sample, MemoryMarshal.Cast<Float16, Half>(_sampleHalf.AsSpan()));
        }

        try
        {
            _session.Session.RunWithBinding(_runOptions, _binding);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            _runOptions.Terminate = false;
            throw new OperationCanceledException(cancellationToken);
        }

        if (_outputType == TensorElementType.Float16)
        {
            TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<Float16, Half>(_outputHalf.AsSpan()), _output);
        }
    }

    /// <summary>
    /// Makes <paramref name="cancellationToken"/> terminate a running evaluation (ORT's RunOptions.Terminate).
    /// Register once per generation, after <see cref="Bind"/>, so the step loop itself allocates nothing.
    /// </summary>
    public CancellationTokenRegistration LinkCancellation(CancellationToken cancellationToken)
    {
        RunOptions options = _runOptions ?? throw new InvalidOperationException("Call Bind before LinkCancellation.");
        return cancellationToken.Register(static o => ((RunOptions)o!).Terminate = true, options);
    }

    private void SetTimesteps(ReadOnlySpan<float> timesteps)
    {
        int n = _timestepIsScalar ? 1 : Batch;
        if (timesteps.Length != n && timesteps.Length != 1)
        {
            throw new ArgumentException($"Expected {n} timesteps, got {timesteps.Length}.", nameof(timesteps));
        }

        for (int i = 0; i < n; i++)
        {
            float t = timesteps[timesteps.Length == 1 ? 0 : i];
            switch (_timestepType)
            {
                case TensorElementType.Int64: _timestepL[i] = (long)MathF.Round(t); break;
                case TensorElementType.Float16: _timestepH[i] = (Float16)t; break;
                default: _timestepF[i] = t; break;
            }
        }
    }

    private void BindTimestep(int batch)
    {
        long[] shape = _timestepIsScalar ? [] : [batch];
        int n = _timestepIsScalar ? 1 : batch;
        OrtValue value = _timestepType switch
        {
            TensorElementType.Int64 => OrtValue.CreateTensorValueFromMemory(_timestepL = new long[n], shape),
            TensorElementType.Float16 => OrtValue.CreateTensorValueFromMemory(_timestepH = new Float16[n], shape),
            TensorElementType.Float => OrtValue.CreateTensorValueFromMemory(_timestepF = new float[n], shape),
            _ => throw new ModelFormatException(
                $"{_session.ModelPath}: timestep input has element type {_timestepType}; expected float, float16 or int64."),
        };
        _values.Add(value);
        _binding!.BindInput(TimestepName, value);
    }

    private void BindFloat(
        string name, TensorElementType type, float[] buffer, ref Float16[] half, long[] shape, bool input)
    {
        OrtValue value;
        if (type == TensorElementType.Float)
        {
            value = OrtValue.CreateTensorValueFromMemory(buffer, shape);
        }
        else if (type == TensorElementType.Float16)
        {
            half = new Float16[buffer.Length];
            value = OrtValue.CreateTensorValueFromMemory(half, shape);
        }
        else
        {
            throw new ModelFormatException(
                $"{_session.ModelPath}: '{name}' has element type {type}; expected float or float16.");
        }

        _values.Add(value);
        if (input)
        {
            _binding!.BindInput(name, value);
        }
        else
        {
            _binding!.BindOutput(name, value);
        }
    }

    private void ReleaseBinding()
    {
        _binding?.Dispose();
        _binding = null;
        _runOptions?.Dispose();
        _runOptions = null;
        foreach (var v in _values)
        {
            v.Dispose();
        }

        _values.Clear();
    }

    /// <inheritdoc />
    public void Dispose() => ReleaseBinding();
}
