using Microsoft.ML.OnnxRuntime;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Training;
using OnnxDiffusion.Runtime.Onnx;

namespace OnnxDiffusion.Runtime.Training;

/// <summary>
/// An opened training-artifacts folder (<c>onnxdiff train-artifacts</c>): its manifest and ORT sessions for the
/// training graph (loss + d loss / d tokens), the eval graph (loss) and the AdamW step. Plain inference sessions
/// on any provider: no training package. Owns the sessions; dispose once. Not thread-safe.
/// </summary>
public sealed class ContextTokenArtifacts : IDisposable
{
    private readonly SessionConfig _config;
    private ModelSession? _training;
    private ModelSession? _eval;
    private ModelSession? _optimizer;
    private float[] _baseContext = [];
    private int _baseTokens;

    private ContextTokenArtifacts(string directory, TrainingManifest manifest, SessionConfig config)
    {
        Directory = directory;
        Manifest = manifest;
        _config = config;
    }

    /// <summary>The artifacts folder.</summary>
    public string Directory { get; }

    /// <summary>Its <c>training.json</c>.</summary>
    public TrainingManifest Manifest { get; }

    /// <summary>Tokens N.</summary>
    public int NumTokens => Manifest.NumTokens;

    /// <summary>Context width D.</summary>
    public int ContextDim => Manifest.ContextDim;

    /// <summary>Opens <paramref name="directory"/> (reads the manifest; sessions are created on first use).</summary>
    /// <exception cref="ModelFormatException">Not an artifacts folder, or a model file is missing.</exception>
    public static ContextTokenArtifacts Open(string directory, SessionConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        TrainingManifest manifest = TrainingManifest.Load(directory);
        foreach (string file in new[] { manifest.TrainingModel, manifest.EvalModel, manifest.OptimizerModel })
        {
            if (!File.Exists(Path.Combine(directory, file)))
            {
                throw new ModelFormatException(
                    $"{directory} lacks {file}. Re-run `onnxdiff train-artifacts` to rebuild the folder.");
            }
        }

        return new ContextTokenArtifacts(directory, manifest, config);
    }

    /// <summary>Sets the base text context <c>[tokens, D]</c> (copied) that every later call uses.</summary>
    public void SetBaseContext(ReadOnlySpan<float> values, int tokens)
    {
        if (tokens < 1 || values.Length != tokens * ContextDim)
        {
            throw new ArgumentException($"Base context has {values.Length} values, expected {tokens}×{ContextDim}.");
        }

        _baseContext = values.ToArray();
        _baseTokens = tokens;
    }

    /// <summary>Masked loss and its gradient with respect to <paramref name="tokens"/> (written to <paramref name="gradient"/>).</summary>
    public float LossAndGradient(TrainingBatch batch, float[] tokens, Span<float> gradient)
    {
        _training ??= Create(Manifest.TrainingModel);
        using var outputs = Run(_training, batch, tokens, [TrainingIoNames.Loss, TrainingIoNames.TokensGrad]);
        outputs[1].GetTensorDataAsSpan<float>().CopyTo(gradient);
        return outputs[0].GetTensorDataAsSpan<float>()[0];
    }

    /// <summary>Masked loss of <paramref name="tokens"/> on <paramref name="batch"/> (eval graph, no gradient).</summary>
    public float Loss(TrainingBatch batch, float[] tokens)
    {
        _eval ??= Create(Manifest.EvalModel);
        using var outputs = Run(_eval, batch, tokens, [TrainingIoNames.Loss]);
        return outputs[0].GetTensorDataAsSpan<float>()[0];
    }

    /// <summary>
    /// One AdamW step in place on <paramref name="state"/> (tokens and moments) with its gradient; the step counter
    /// is incremented first (bias correction uses t ≥ 1).
    /// </summary>
    public void Step(ContextTokens state, float[] gradient, float learningRate)
    {
        ArgumentNullException.ThrowIfNull(state);
        _optimizer ??= Create(Manifest.OptimizerModel);
        state.FirstMoment ??= new float[state.Tokens.Length];
        state.SecondMoment ??= new float[state.Tokens.Length];
        state.Step++;
        long[] shape = [NumTokens, ContextDim];
        using OrtValue p = OrtValue.CreateTensorValueFromMemory(state.Tokens, shape);
        using OrtValue g = OrtValue.CreateTensorValueFromMemory(gradient, shape);
        using OrtValue m = OrtValue.CreateTensorValueFromMemory(state.FirstMoment, shape);
        using OrtValue v = OrtValue.CreateTensorValueFromMemory(state.SecondMoment, shape);
        using OrtValue t = OrtValue.CreateTensorValueFromMemory(new[] { (float)state.Step }, []);
        using OrtValue lr = OrtValue.CreateTensorValueFromMemory(new[] { learningRate }, []);
        using var runOptions = new RunOptions();
        string suffix = TrainingIoNames.OutSuffix;
        using var outputs = _optimizer.Session.Run(runOptions,
            [TrainingIoNames.Params, TrainingIoNames.Grad, TrainingIoNames.FirstMoment, TrainingIoNames.SecondMoment,
                TrainingIoNames.Step, TrainingIoNames.LearningRate],
            [p, g, m, v, t, lr],
            [TrainingIoNames.Params + suffix, TrainingIoNames.FirstMoment + suffix,
                TrainingIoNames.SecondMoment + suffix]);
        outputs[0].GetTensorDataAsSpan<float>().CopyTo(state.Tokens);
        outputs[1].GetTensorDataAsSpan<float>().CopyTo(state.FirstMoment);
        outputs[2].GetTensorDataAsSpan<float>().CopyTo(state.SecondMoment);
    }

    private IDisposableReadOnlyCollection<OrtValue> Run(ModelSession session, TrainingBatch batch, float[] tokens,
        string[] outputNames)
    {
        if (_baseTokens == 0)
        {
            throw new InvalidOperationException("Call SetBaseContext before running the training graphs.");
        }

        if (tokens.Length != NumTokens * ContextDim)
        {
            throw new ArgumentException($"Got {tokens.Length} token values, expected {NumTokens}×{ContextDim}.");
        }

        long[] latentShape = Array.ConvertAll(batch.Shape, d => (long)d);
        long[] maskShape = [batch.Shape[0], 1, batch.Shape[2], batch.Shape[3]];
        using OrtValue tokenValue = OrtValue.CreateTensorValueFromMemory(tokens, [NumTokens, ContextDim]);
        using OrtValue context = OrtValue.CreateTensorValueFromMemory(_baseContext, [1, _baseTokens, ContextDim]);
        using OrtValue noisy = OrtValue.CreateTensorValueFromMemory(batch.NoisyLatents, latentShape);
        using OrtValue timestep = OrtValue.CreateTensorValueFromMemory(batch.Timesteps, [batch.Batch]);
        using OrtValue target = OrtValue.CreateTensorValueFromMemory(batch.Target, latentShape);
        using OrtValue mask = OrtValue.CreateTensorValueFromMemory(batch.Mask, maskShape);
        using var runOptions = new RunOptions();
        try
        {
            return session.Session.Run(runOptions,
                [TrainingIoNames.Tokens, TrainingIoNames.BaseContext, TrainingIoNames.NoisyLatents,
                    TrainingIoNames.Timestep, TrainingIoNames.Target, TrainingIoNames.Mask],
                [tokenValue, context, noisy, timestep, target, mask], outputNames);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new RuntimeFailureException(
                $"Running {session.ModelPath} failed: {ex.Message} Check that the artifacts were built for this " +
                "package (re-run `onnxdiff train-artifacts`).", ex);
        }
    }

    private ModelSession Create(string file) => ModelSession.Create(Path.Combine(Directory, file), _config);

    /// <inheritdoc />
    public void Dispose()
    {
        _training?.Dispose();
        _eval?.Dispose();
        _optimizer?.Dispose();
    }
}
