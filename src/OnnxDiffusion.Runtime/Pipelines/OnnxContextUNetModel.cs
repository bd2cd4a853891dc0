using OnnxDiffusion.Runtime.Components;
using OnnxDiffusion.Runtime.Sampling;
using OnnxDiffusion.Runtime.Sampling.Guidance;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Runtime.Pipelines;

/// <summary>
/// The ONNX UNet as an <see cref="IContextUNetModel"/> for multi-entry conditioning: every prepared call gets its
/// own <see cref="UNetRunner"/> (from <c>createRunner</c>, usually <see cref="DiffusionPackage.UNet"/>, which
/// shares the session) with its contexts bound once through IOBinding, so steps allocate nothing. Extra UNet
/// input channels (9-channel inpainting models) are left at zero. Not thread-safe; owns the runners it creates.
/// </summary>
public sealed class OnnxContextUNetModel : IContextUNetModel, IDisposable
{
    private readonly Func<UNetRunner> _createRunner;
    private readonly CancellationToken _cancellationToken;
    private readonly List<Prepared> _calls = [];
    private readonly float[] _timestep = new float[1];

    /// <summary>Creates the model; runners are created lazily by <see cref="Prepare"/>.</summary>
    public OnnxContextUNetModel(
        Func<UNetRunner> createRunner, PredictionType prediction, IModelSampling modelSampling,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(createRunner);
        ArgumentNullException.ThrowIfNull(modelSampling);
        _createRunner = createRunner;
        Prediction = prediction;
        ModelSampling = modelSampling;
        _cancellationToken = cancellationToken;
    }

    /// <inheritdoc />
    public PredictionType Prediction { get; }

    /// <inheritdoc />
    public IModelSampling ModelSampling { get; }

    /// <inheritdoc />
    /// <remarks>8: the exported UNet's up-blocks concatenate skip connections of size/2, size/4, size/8.</remarks>
    public int SizeMultiple => 8;

    /// <summary>UNet evaluations so far (one per <see cref="Predict"/>).</summary>
    public int Evaluations { get; private set; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The contexts differ in shape or the list is empty.</exception>
    public int Prepare(IReadOnlyList<TextContext> contexts, int batch, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        if (contexts.Count == 0 || contexts.Any(c => c.Tokens != contexts[0].Tokens || c.Dim != contexts[0].Dim))
        {
            throw new ArgumentException("A call needs at least one context, all of the same [T, D].", nameof(contexts));
        }

        int tokens = contexts[0].Tokens, dim = contexts[0].Dim, rows = contexts.Count * batch;
        var values = new float[rows * tokens * dim];
        for (int r = 0; r < rows; r++)
        {
            contexts[r / batch].Values.CopyTo(values.AsSpan(r * tokens * dim));
        }

        UNetRunner runner = _createRunner();
        try
        {
            runner.Bind(rows, height, width, values, tokens, dim);
            _calls.Add(new Prepared(runner, runner.LinkCancellation(_cancellationToken), rows, height * width));
        }
        catch
        {
            runner.Dispose();
            throw;
        }

        return _calls.Count - 1;
    }

    /// <inheritdoc />
    public void Predict(int call, ReadOnlySpan<float> sample, float timestep, Span<float> output)
    {
        Prepared prepared = _calls[call];
        UNetRunner runner = prepared.Runner;
        int latent = 4 * prepared.Plane;
        int row = runner.InChannels * prepared.Plane;
        if (sample.Length != prepared.Rows * latent || output.Length != sample.Length)
        {
            throw new ArgumentException(
                $"Call {call} takes {prepared.Rows * latent} values; got sample {sample.Length}, " +
                $"output {output.Length}.");
        }

        Span<float> input = runner.Sample;
        for (int r = 0; r < prepared.Rows; r++)
        {
            sample.Slice(r * latent, latent).CopyTo(input.Slice(r * row, latent));
        }

        _timestep[0] = timestep;
        runner.Run(_timestep, _cancellationToken);
        runner.Output[..output.Length].CopyTo(output);
        Evaluations++;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Prepared call in _calls)
        {
            call.Cancellation.Dispose();
            call.Runner.Dispose();
        }

        _calls.Clear();
    }

    private sealed record Prepared(UNetRunner Runner, CancellationTokenRegistration Cancellation, int Rows, int Plane);
}
