using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Runtime.Components;
using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.Runtime.Sampling;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Runtime.Calibration;

/// <summary>
/// The fp32 UNet as the KSampler's model, evaluated through a <see cref="ProbeSession"/>: every call feeds the
/// UNet exactly what <see cref="OnnxUNetModel"/> feeds it (scaled latents c_in·x for the positive rows then the
/// negative rows, the model timestep, the <c>[2B, T, D]</c> context), returns <c>out_sample</c> to the sampler
/// and reports the probed tensors of that call to a callback. Extra input channels of inpainting UNets are
/// zero (txt2img without a mask, as the pipeline does). Not thread-safe; owns nothing.
/// </summary>
internal sealed class ProbeUNetModel : IUNetModel
{
    private readonly ProbeSession _probe;
    private readonly ActivationCallback _visit;
    private readonly CancellationToken _cancellationToken;
    private readonly int _batch;
    private readonly int _height;
    private readonly int _width;
    private readonly int _inChannels;
    private readonly bool _withNegative;
    private readonly float[] _context;
    private readonly long[] _contextShape;
    private readonly string[] _outputs;
    private readonly TensorElementType _timestepType;
    private readonly bool _timestepIsScalar;

    public ProbeUNetModel(ProbeSession probe, TextContext positive, TextContext? negative, LatentShape shape,
        PredictionType prediction, IModelSampling modelSampling, ActivationCallback visit,
        CancellationToken cancellationToken)
    {
        _probe = probe;
        _visit = visit;
        _cancellationToken = cancellationToken;
        Prediction = prediction;
        ModelSampling = modelSampling;
        (_batch, _height, _width) = (shape.Batch, shape.Height, shape.Width);
        _withNegative = negative is not null;
        IReadOnlyDictionary<string, NodeMetadata> inputs = probe.Session.InputMetadata;
        foreach (string name in new[] { UNetRunner.SampleName, UNetRunner.ContextName })
        {
            if (!inputs.TryGetValue(name, out NodeMetadata? meta) || meta.ElementDataType != TensorElementType.Float)
            {
                throw new ModelFormatException(
                    $"Calibration needs an fp32 UNet with a float input '{name}'; quantize from the fp32 package.");
            }
        }

        _timestepType = inputs[UNetRunner.TimestepName].ElementDataType;
        _timestepIsScalar = inputs[UNetRunner.TimestepName].Dimensions.Length == 0;
        _inChannels = inputs[UNetRunner.SampleName].Dimensions is { Length: 4 } d && d[1] > 0 ? d[1] : 4;
        int rows = Rows;
        _context = new float[rows * positive.Tokens * positive.Dim];
        for (int b = 0; b < rows; b++)
        {
            TextContext source = b < _batch ? positive : negative!;
            source.Values.CopyTo(_context.AsSpan(b * source.Values.Length));
        }

        _contextShape = [rows, positive.Tokens, positive.Dim];
        _outputs = [UNetRunner.OutputName, .. probe.ProbedNames.Where(n => n != UNetRunner.OutputName)];
    }

    public PredictionType Prediction { get; }

    public IModelSampling ModelSampling { get; }

    /// <summary>UNet evaluations so far; also the sample index of the next call relative to the first.</summary>
    public int Evaluations { get; private set; }

    /// <summary>Sample index of the first evaluation (set by the caller to number samples across runs).</summary>
    public int FirstSample { get; init; }

    private int Rows => _withNegative ? 2 * _batch : _batch;

    public void Predict(in UNetRequest request, Span<float> output)
    {
        if (request.WithNegative != _withNegative)
        {
            throw new InvalidOperationException("The probe UNet was set up for another CFG setting.");
        }

        int plane = _height * _width;
        var sample = new float[Rows * _inChannels * plane];
        for (int row = 0; row < Rows; row++)
        {
            int b = row % _batch;
            request.Sample.Slice(b * 4 * plane, 4 * plane).CopyTo(sample.AsSpan(row * _inChannels * plane));
        }

        using OrtValue sampleValue = OrtValue.CreateTensorValueFromMemory(sample, [Rows, _inChannels, _height, _width]);
        using OrtValue contextValue = OrtValue.CreateTensorValueFromMemory(_context, _contextShape);
        using OrtValue timestepValue = Timestep(request.Timestep);
        var feed = new Dictionary<string, OrtValue>(StringComparer.Ordinal)
        {
            [UNetRunner.SampleName] = sampleValue,
            [UNetRunner.TimestepName] = timestepValue,
            [UNetRunner.ContextName] = contextValue,
        };
        float[] prediction = [];
        bool probedOutput = _probe.ProbedNames.Contains(UNetRunner.OutputName);
        _probe.Run(feed, _outputs, (int s, string name, ReadOnlySpan<float> values) =>
        {
            if (name == UNetRunner.OutputName)
            {
                prediction = values.ToArray();
                if (!probedOutput)
                {
                    return;
                }
            }

            _visit(s, name, values);
        }, FirstSample + Evaluations, _cancellationToken);
        prediction.AsSpan(0, output.Length).CopyTo(output);
        Evaluations++;
    }

    private OrtValue Timestep(float t)
    {
        int n = _timestepIsScalar ? 1 : Rows;
        long[] shape = _timestepIsScalar ? [] : [Rows];
        return _timestepType switch
        {
            TensorElementType.Int64 => OrtValue.CreateTensorValueFromMemory(
                Enumerable.Repeat((long)MathF.Round(t), n).ToArray(), shape),
            TensorElementType.Float => OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(t, n).ToArray(), shape),
            _ => throw new ModelFormatException(
                $"The UNet's timestep input has element type {_timestepType}; calibration needs float or int64."),
        };
    }
}
