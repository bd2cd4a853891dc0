using OnnxDiffusion.Runtime.Components;
using OnnxDiffusion.Runtime.Sampling;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Runtime.Pipelines;

/// <summary>
/// The ONNX UNet as the KSampler's <see cref="IUNetModel"/>: positive and negative text contexts are bound once
/// (IOBinding, <c>[2B, T, D]</c>, positive first) and every step is one batch-2B UNet call into preallocated
/// buffers, or a batch-B call with the positive context alone when CFG is 1. Each step copies the scaled latents
/// in and the prediction out and allocates nothing. Extra UNet input channels (inpainting models: mask and
/// masked-image latents) are filled once from <see cref="SetExtraChannels"/>. Not thread-safe; owns nothing.
/// </summary>
public sealed class OnnxUNetModel : IUNetModel, IDisposable
{
    private readonly UNetRunner _runner;
    private readonly int _batch;
    private readonly int _height;
    private readonly int _width;
    private readonly bool _withNegative;
    private readonly float[] _timestep = new float[1];
    private readonly CancellationTokenRegistration _cancellation;
    private readonly CancellationToken _cancellationToken;
    private float[]? _extra;

    /// <summary>
    /// Binds the UNet for latents of <paramref name="shape"/> (batch, height, width).
    /// <paramref name="positive"/> and <paramref name="negative"/> are <c>[T, D]</c> contexts (one prompt each,
    /// equal T), repeated over the batch; pass null for <paramref name="negative"/> when CFG is 1.
    /// </summary>
    public OnnxUNetModel(
        UNetRunner runner, TextContext positive, TextContext? negative, LatentShape shape,
        PredictionType prediction, IModelSampling modelSampling, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(positive);
        if (negative is not null && (negative.Tokens != positive.Tokens || negative.Dim != positive.Dim))
        {
            throw new ArgumentException(
                $"Positive [{positive.Tokens}, {positive.Dim}] and negative [{negative.Tokens}, {negative.Dim}] contexts differ; " +
                "equalize their lengths first (TextContext.EqualizeLengths).", nameof(negative));
        }

        _runner = runner;
        _batch = shape.Batch;
        _height = shape.Height;
        _width = shape.Width;
        _withNegative = negative is not null;
        Prediction = prediction;
        ModelSampling = modelSampling;
        int rows = _withNegative ? 2 * _batch : _batch;
        var context = new float[rows * positive.Tokens * positive.Dim];
        for (int b = 0; b < rows; b++)
        {
            TextContext source = b < _batch ? positive : negative!;
            source.Values.CopyTo(context.AsSpan(b * source.Values.Length));
        }

        runner.Bind(rows, _height, _width, context, positive.Tokens, positive.Dim);
        _cancellationToken = cancellationToken;
        _cancellation = runner.LinkCancellation(cancellationToken);
    }

    /// <inheritdoc />
    public PredictionType Prediction { get; }

    /// <inheritdoc />
    public IModelSampling ModelSampling { get; }

    /// <summary>UNet evaluations so far (one per step for single-call samplers; CFG batches count once).</summary>
    public int Evaluations { get; private set; }

    /// <summary>
    /// Sets the extra input channels of an inpainting UNet (<c>[B, InChannels − 4, h, w]</c>: mask then
    /// masked-image latents, already scaled), appended after the 4 latent channels of every row.
    /// </summary>
    public void SetExtraChannels(ReadOnlySpan<float> extra)
    {
        int extraChannels = _runner.InChannels - 4;
        if (extra.Length != _batch * extraChannels * _height * _width)
        {
            throw new ArgumentException($"Extra channels need {_batch}×{extraChannels}×{_height}×{_width} values.");
        }

        _extra = extra.ToArray();
    }

    /// <inheritdoc />
    public void Predict(in UNetRequest request, Span<float> output)
    {
        if (request.WithNegative != _withNegative)
        {
            throw new InvalidOperationException(
                "The UNet was bound " + (_withNegative ? "with" : "without") + " a negative context for this CFG setting.");
        }

        int plane = _height * _width;
        int inChannels = _runner.InChannels;
        int rows = _withNegative ? 2 : 1;
        Span<float> sample = _runner.Sample;
        for (int r = 0; r < rows; r++)
        {
            for (int b = 0; b < _batch; b++)
            {
                int row = r * _batch + b;
                request.Sample.Slice(b * 4 * plane, 4 * plane).CopyTo(sample.Slice(row * inChannels * plane, 4 * plane));
                if (_extra is not null)
                {
                    int extraLength = (inChannels - 4) * plane;
                    _extra.AsSpan(b * extraLength, extraLength)
                        .CopyTo(sample.Slice((row * inChannels + 4) * plane, extraLength));
                }
            }
        }

        _timestep[0] = request.Timestep;
        // The token is linked to RunOptions.Terminate; passing it lets the runner report a terminated run as
        // OperationCanceledException instead of ORT's "terminate flag" error.
        _runner.Run(_timestep, _cancellationToken);
        _runner.Output[..output.Length].CopyTo(output);
        Evaluations++;
    }

    /// <inheritdoc />
    public void Dispose() => _cancellation.Dispose();
}
