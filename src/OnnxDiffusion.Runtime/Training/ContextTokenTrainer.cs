using System.Globalization;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Training;
using OnnxDiffusion.Runtime.Rng;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Runtime.Training;

/// <summary>
/// Masked reference-context training (latent-formats.md §3.4; the AnimaFastTrainMaskedReferenceContext design):
/// learn N context tokens, appended after the training prompt's context, so the UNet's noise prediction on the
/// masked regions of the reference latents improves. Each step picks reference i mod N, a timestep t uniform in
/// 0..T−1 and noise ε (torch CPU generator seeded with seed + 1 + i), forms x_t = √ᾱ·x₀ + √(1−ᾱ)·ε, and runs the
/// training graph (masked MSE against ε, or v for v-prediction, and its gradient) then one AdamW step. Tokens
/// start as N(0, init_std²) from <c>torch.manual_seed(seed); torch.randn(N, D)</c>. The initial and final losses are
/// the mean over a fixed evaluation set drawn from the seed. Deterministic for a seed (on one ORT build).
/// </summary>
public static class ContextTokenTrainer
{
    private const ulong EvalStream = 0x5EED_E7A1_0000_0000;

    /// <summary>Trains tokens on <paramref name="inputs"/> with the graphs of <paramref name="artifacts"/>.</summary>
    /// <exception cref="InvalidInputException">Sizes that do not match the artifacts, or bad options.</exception>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> fires.</exception>
    public static ContextTrainingResult Train(ContextTokenArtifacts artifacts, ContextTrainingInputs inputs,
        ContextTrainingOptions options, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(options);
        Check(artifacts, inputs, options);
        artifacts.SetBaseContext(inputs.BaseContext.Values, inputs.BaseContext.Tokens);
        ContextTokens state = options.Resume is { } resume ? Copy(resume) : Initial(artifacts, options);
        double initialLoss = EvaluateLoss(artifacts, inputs, state.Tokens, options.Seed, options.EvalSamples);
        var losses = new List<float>(options.Steps);
        var gradient = new float[state.Tokens.Length];
        for (int i = 0; i < options.Steps; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            TrainingBatch batch = Sample(inputs, i % inputs.References.Count, Mix(options.Seed, (ulong)i),
                options.Seed + 1 + (ulong)i);
            float loss = artifacts.LossAndGradient(batch, state.Tokens, gradient);
            if (!float.IsFinite(loss))
            {
                throw new RuntimeFailureException(
                    $"The masked loss became {loss} at step {i + 1}. Lower --lr (now {options.LearningRate}).");
            }

            artifacts.Step(state, gradient, options.LearningRate);
            losses.Add(loss);
            progress?.Report(new TrainingProgress(i + 1, options.Steps, loss));
        }

        double finalLoss = EvaluateLoss(artifacts, inputs, state.Tokens, options.Seed, options.EvalSamples);
        Describe(state, inputs, options, losses.Count, finalLoss);
        state.Metadata["initial_loss"] = Number(initialLoss);
        return new ContextTrainingResult(state, initialLoss, finalLoss, losses);
    }

    /// <summary>
    /// Mean masked loss of <paramref name="tokens"/> over <paramref name="count"/> fixed samples drawn from
    /// <paramref name="seed"/> (sample k: reference k mod N, its own timestep and noise), with the eval graph.
    /// Call <see cref="ContextTokenArtifacts.SetBaseContext"/> first (Train does).
    /// </summary>
    public static double EvaluateLoss(ContextTokenArtifacts artifacts, ContextTrainingInputs inputs, float[] tokens,
        ulong seed, int count)
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        artifacts.SetBaseContext(inputs.BaseContext.Values, inputs.BaseContext.Tokens);
        double total = 0;
        for (int k = 0; k < count; k++)
        {
            ulong key = Mix(seed ^ EvalStream, (ulong)k);
            TrainingBatch batch = Sample(inputs, k % inputs.References.Count, key, key >> 32);
            total += artifacts.Loss(batch, tokens);
        }

        return total / count;
    }

    /// <summary>
    /// One sample: reference <paramref name="reference"/>, timestep from <paramref name="timestepKey"/>, noise from
    /// a torch CPU generator seeded with <paramref name="noiseSeed"/>.
    /// </summary>
    private static TrainingBatch Sample(ContextTrainingInputs inputs, int reference, ulong timestepKey,
        ulong noiseSeed)
    {
        ReferenceSet refs = inputs.References;
        ReadOnlySpan<float> sigmas = inputs.ModelSampling.Sigmas;
        int t = (int)(timestepKey % (ulong)sigmas.Length);
        double sigma = sigmas[t];
        double alphaBar = 1 / (1 + (sigma * sigma));
        float signal = (float)Math.Sqrt(alphaBar), noiseLevel = (float)Math.Sqrt(1 - alphaBar);
        int length = refs.LatentLength;
        var noise = new float[length];
        new TorchCpuRandom(noiseSeed).FillNormal(noise);
        ReadOnlySpan<float> x0 = refs.Latents.Data.AsSpan(reference * length, length);
        var noisy = new float[length];
        var target = new float[length];
        for (int i = 0; i < length; i++)
        {
            noisy[i] = (signal * x0[i]) + (noiseLevel * noise[i]);
            target[i] = inputs.Prediction == PredictionType.VPrediction
                ? (signal * noise[i]) - (noiseLevel * x0[i])
                : noise[i];
        }

        float[] mask = refs.Masks.Data.AsSpan(reference * refs.MaskLength, refs.MaskLength).ToArray();
        int[] shape = [1, refs.Latents.Shape[1], refs.Latents.Shape[2], refs.Latents.Shape[3]];
        return new TrainingBatch(noisy, target, [t], mask, shape);
    }

    private static ContextTokens Initial(ContextTokenArtifacts artifacts, ContextTrainingOptions options)
    {
        var tokens = new float[artifacts.NumTokens * artifacts.ContextDim];
        new TorchCpuRandom(options.Seed).FillNormal(tokens);
        for (int i = 0; i < tokens.Length; i++)
        {
            tokens[i] *= options.InitStd;
        }

        return new ContextTokens(tokens, artifacts.NumTokens, artifacts.ContextDim);
    }

    private static ContextTokens Copy(ContextTokens source)
    {
        var copy = new ContextTokens((float[])source.Tokens.Clone(), source.Count, source.Dim)
        {
            FirstMoment = (float[]?)source.FirstMoment?.Clone(),
            SecondMoment = (float[]?)source.SecondMoment?.Clone(),
            Step = source.Step,
        };
        foreach ((string key, string value) in source.Metadata)
        {
            copy.Metadata[key] = value;
        }

        return copy;
    }

    private static void Describe(ContextTokens state, ContextTrainingInputs inputs, ContextTrainingOptions options,
        int steps, double finalLoss)
    {
        state.Metadata["steps"] = steps.ToString(CultureInfo.InvariantCulture);
        state.Metadata["learning_rate"] = Number(options.LearningRate);
        state.Metadata["reference_count"] = inputs.References.Count.ToString(CultureInfo.InvariantCulture);
        state.Metadata["final_loss"] = Number(finalLoss);
        state.Metadata["num_tokens"] = state.Count.ToString(CultureInfo.InvariantCulture);
        state.Metadata["hidden_dim"] = state.Dim.ToString(CultureInfo.InvariantCulture);
        state.Metadata["init_std"] = Number(options.InitStd);
        state.Metadata["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture);
        state.Metadata["training_prompt"] = inputs.Prompt;
    }

    private static void Check(ContextTokenArtifacts artifacts, ContextTrainingInputs inputs,
        ContextTrainingOptions options)
    {
        if (inputs.BaseContext.Dim != artifacts.ContextDim ||
            inputs.References.Latents.Shape[1] != artifacts.Manifest.LatentChannels)
        {
            throw new InvalidInputException(
                $"The artifacts in {artifacts.Directory} were built for context width {artifacts.ContextDim} and " +
                $"{artifacts.Manifest.LatentChannels} latent channels, but the prompt context is " +
                $"{inputs.BaseContext.Dim}-d and the latents have {inputs.References.Latents.Shape[1]} channels. " +
                "Rebuild them from this package with `onnxdiff train-artifacts`.");
        }

        if (options.Steps < 0 || !(options.LearningRate > 0) || !(options.InitStd >= 0) || options.EvalSamples < 1 ||
            (options.Resume is { } r && (r.Count != artifacts.NumTokens || r.Dim != artifacts.ContextDim)))
        {
            throw new InvalidInputException(
                $"Bad training options: steps {options.Steps} (≥ 0), lr {options.LearningRate} (> 0), init_std " +
                $"{options.InitStd} (≥ 0), eval samples {options.EvalSamples} (≥ 1), and resumed tokens must be " +
                $"{artifacts.NumTokens}×{artifacts.ContextDim}.");
        }
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>SplitMix64 of (seed, index): the timestep stream (and eval noise seeds).</summary>
    private static ulong Mix(ulong seed, ulong index)
    {
        ulong z = seed + ((index + 1) * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
