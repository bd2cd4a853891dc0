namespace OnnxDiffusion.Core.Training;

/// <summary>
/// Input and output names of the context-token training artifacts (written by Converters' TrainingArtifacts,
/// fed by Runtime's trainer). One file per contract.
/// </summary>
public static class TrainingIoNames
{
    /// <summary>Learned tokens <c>[N, D]</c>, appended after the base context.</summary>
    public const string Tokens = "tokens";

    /// <summary>Base text context <c>[1, 77·k, D]</c> (the CLIP encoding of the training prompt).</summary>
    public const string BaseContext = "base_context";

    /// <summary>UNet input <c>x_t = √ᾱ·x₀ + √(1−ᾱ)·ε</c>, <c>[B, C, h, w]</c>.</summary>
    public const string NoisyLatents = "noisy_latents";

    /// <summary>Integer timestep per sample (as float), <c>[B]</c>.</summary>
    public const string Timestep = "timestep";

    /// <summary>What the UNet should predict (ε for ε-prediction models), <c>[B, C, h, w]</c>.</summary>
    public const string Target = "target";

    /// <summary>Per-pixel loss weight in 0..1 (broadcast over channels), <c>[B, 1, h, w]</c>.</summary>
    public const string Mask = "mask";

    /// <summary>Scalar masked MSE: Σ m·(pred − target)² / (C·Σ m + 1e-8).</summary>
    public const string Loss = "loss";

    /// <summary>d loss / d tokens, <c>[N, D]</c>.</summary>
    public const string TokensGrad = "tokens_grad";

    /// <summary>Optimizer input: parameters <c>[N, D]</c>.</summary>
    public const string Params = "params";

    /// <summary>Optimizer input: gradient <c>[N, D]</c>.</summary>
    public const string Grad = "grad";

    /// <summary>Optimizer input: first moment <c>[N, D]</c>.</summary>
    public const string FirstMoment = "m";

    /// <summary>Optimizer input: second moment <c>[N, D]</c>.</summary>
    public const string SecondMoment = "v";

    /// <summary>Optimizer input: the step number t ≥ 1 of this update (float scalar), for bias correction.</summary>
    public const string Step = "step";

    /// <summary>Optimizer input: learning rate (float scalar).</summary>
    public const string LearningRate = "lr";

    /// <summary>Optimizer output suffix: <c>params_out</c>, <c>m_out</c>, <c>v_out</c>.</summary>
    public const string OutSuffix = "_out";
}
