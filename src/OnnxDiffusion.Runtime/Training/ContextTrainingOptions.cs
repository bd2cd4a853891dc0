using OnnxDiffusion.Core.Training;
using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.Runtime.Sampling;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Runtime.Training;

/// <summary>Hyper-parameters of <see cref="ContextTokenTrainer.Train"/> (latent-formats.md §3.4 defaults).</summary>
public sealed record ContextTrainingOptions
{
    /// <summary>Optimizer steps (100).</summary>
    public int Steps { get; init; } = 100;

    /// <summary>AdamW learning rate (1e-3).</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Seed of the token initialisation, the per-step noise and timesteps, and the evaluation set.</summary>
    public ulong Seed { get; init; }

    /// <summary>Standard deviation of the initial tokens, N(0, std²) (0.02).</summary>
    public float InitStd { get; init; } = 0.02f;

    /// <summary>
    /// Fixed (reference, timestep, noise) samples the initial and final loss are measured on (default 8), so the
    /// two numbers are comparable; training steps draw fresh samples.
    /// </summary>
    public int EvalSamples { get; init; } = 8;

    /// <summary>Start from these tokens (and optimizer state) instead of a fresh initialisation.</summary>
    public ContextTokens? Resume { get; init; }
}

/// <summary>What the trainer needs besides the artifacts.</summary>
/// <param name="References">Latent bank and masks.</param>
/// <param name="BaseContext">The encoded training prompt <c>[77·k, D]</c>.</param>
/// <param name="ModelSampling">The model's discrete schedule (σ per timestep).</param>
/// <param name="Prediction">ε or v prediction: what the target is.</param>
/// <param name="Prompt">The training prompt (recorded in the result's metadata).</param>
public sealed record ContextTrainingInputs(ReferenceSet References, TextContext BaseContext,
    IModelSampling ModelSampling, PredictionType Prediction, string Prompt = "");

/// <summary>One training step's report.</summary>
/// <param name="Step">Steps done (1-based).</param>
/// <param name="Steps">Total steps.</param>
/// <param name="Loss">The masked loss of this step's sample (before the update).</param>
public readonly record struct TrainingProgress(int Step, int Steps, float Loss);

/// <summary>The trained tokens and the loss history.</summary>
/// <param name="Tokens">Tokens with optimizer state and metadata (steps, learning_rate, reference_count, ...).</param>
/// <param name="InitialLoss">Mean masked loss of the initial tokens on the evaluation set.</param>
/// <param name="FinalLoss">Mean masked loss of the trained tokens on the same set.</param>
/// <param name="StepLosses">The loss of every step's sample.</param>
public sealed record ContextTrainingResult(ContextTokens Tokens, double InitialLoss, double FinalLoss,
    IReadOnlyList<float> StepLosses)
{
    /// <summary>
    /// The one-line summary in the node's <c>info</c> form: token count, references, steps, learning rate, initial
    /// and final loss.
    /// </summary>
    public string Info => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"trained {Tokens.Count} context tokens ({Tokens.Dim}-d) on {Tokens.Metadata["reference_count"]} " +
        $"reference(s): steps {Tokens.Metadata["steps"]}, lr {Tokens.Metadata["learning_rate"]}, " +
        $"initial loss {InitialLoss:0.000000}, final loss {FinalLoss:0.000000}");
}
