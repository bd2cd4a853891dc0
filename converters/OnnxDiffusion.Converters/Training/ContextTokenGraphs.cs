using OnnxDiffusion.Core.Training;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Autodiff;
using OnnxDiffusion.Graph.Ops;
using OnnxDiffusion.Models.Architectures;
using OnnxDiffusion.Models.Configs;

namespace OnnxDiffusion.Converters.Training;

/// <summary>
/// The graphs of context-token training (latent-formats.md §3.4), built with the Graph DSL:
/// <list type="bullet">
/// <item>training: tokens, base context, noisy latents, timestep, target, mask → masked loss and d loss / d tokens
/// (forward UNet + loss, then <see cref="GradientBuilder.Gradients"/> over the whole UNet);</item>
/// <item>eval: the same inputs → masked loss only;</item>
/// <item>optimizer: one AdamW step on the tokens.</item>
/// </list>
/// The UNet sees the context <c>concat(base [1, 77·k, D], tokens [N, D])</c> → <c>[1, 77·k + N, D]</c>, expanded
/// to the batch. Loss = Σ m·(ε̂ − target)² / (C·Σ m + 1e-8) (normalised by mask area, as §3.4 proposes).
/// </summary>
public static class ContextTokenGraphs
{
    /// <summary>Denominator guard of the masked loss.</summary>
    public const double LossEpsilon = 1e-8;

    /// <summary>
    /// Declares the training (<paramref name="withGradient"/>) or eval graph for <paramref name="config"/>'s UNet
    /// and <paramref name="numTokens"/> learned tokens. Bind the UNet weights (checkpoint keys) with Build.
    /// </summary>
    public static GraphBuilder Define(UNetConfig config, int numTokens, bool withGradient,
        UNetModelOptions? unetOptions = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numTokens);
        var b = new GraphBuilder(new GraphBuilderOptions
        {
            GraphName = withGradient ? "context_token_training" : "context_token_eval",
            PruneUnusedNodes = true,
            Metadata = new Dictionary<string, string> { ["onnxdiffusion.training.num_tokens"] = $"{numTokens}" },
        });
        int dim = config.ContextDim;
        Value tokens = b.Input(TrainingIoNames.Tokens, ElementType.Float, numTokens, dim);
        Value baseContext = b.Input(TrainingIoNames.BaseContext, ElementType.Float, 1, "context_tokens", dim);
        Value noisy = b.Input(TrainingIoNames.NoisyLatents, ElementType.Float, "batch", config.InChannels, "height",
            "width");
        Value timestep = b.Input(TrainingIoNames.Timestep, ElementType.Float, "batch");
        Value target = b.Input(TrainingIoNames.Target, ElementType.Float, "batch", config.OutChannels, "height",
            "width");
        Value mask = b.Input(TrainingIoNames.Mask, ElementType.Float, "batch", 1, "height", "width");

        Value context = b.Concat(1, baseContext, b.Unsqueeze(tokens, 0));                 // [1, S + N, D]
        context = b.Expand(context, b.Concat(0, b.Shape(noisy, 0, 1), b.ConstantInt64(1, 1)));   // [B, S + N, D]
        Value prediction = UNet2DConditionModel.Apply(b, config, noisy, timestep, context, unetOptions);
        Value diff = b.Sub(prediction, target);                                           // [B, C, h, w]
        Value weighted = b.Mul(b.Mul(diff, diff), mask);                                  // [B, C, h, w]
        Value sum = b.ReduceSum(weighted, [0, 1, 2, 3], keepDims: false);                 // []
        Value area = b.ReduceSum(mask, [0, 1, 2, 3], keepDims: false);                    // []
        Value loss = b.Div(sum, b.Add(b.Mul(area, config.OutChannels), LossEpsilon));     // []
        b.Output(loss, TrainingIoNames.Loss);
        if (withGradient)
        {
            Value gradient = b.Gradients(loss, [tokens])[0];                              // [N, D]
            b.Output(gradient, TrainingIoNames.TokensGrad, numTokens, dim);
        }

        return b;
    }

    /// <summary>
    /// One AdamW step (torch.optim.AdamW order: decoupled decay p ← p·(1 − lr·λ), then the bias-corrected Adam
    /// update p ← p − lr·m̂ / (√v̂ + ε)) on <c>[N, D]</c> parameters; inputs params, grad, m, v, step (t ≥ 1) and
    /// lr; outputs params_out, m_out, v_out. Hyper-parameters are baked in from <paramref name="settings"/>.
    /// </summary>
    public static OnnxModel Optimizer(int numTokens, int dim, AdamWSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var b = new GraphBuilder(new GraphBuilderOptions { GraphName = "adamw" });
        Value p = b.Input(TrainingIoNames.Params, ElementType.Float, numTokens, dim);
        Value g = b.Input(TrainingIoNames.Grad, ElementType.Float, numTokens, dim);
        Value m = b.Input(TrainingIoNames.FirstMoment, ElementType.Float, numTokens, dim);
        Value v = b.Input(TrainingIoNames.SecondMoment, ElementType.Float, numTokens, dim);
        Value step = b.Input(TrainingIoNames.Step, ElementType.Float);
        Value lr = b.Input(TrainingIoNames.LearningRate, ElementType.Float);

        Value decayed = settings.WeightDecay == 0
            ? p
            : b.Mul(p, b.Sub(b.Scalar(1), b.Mul(lr, settings.WeightDecay)));
        Value m2 = b.Add(b.Mul(m, settings.Beta1), b.Mul(g, 1 - settings.Beta1));
        Value v2 = b.Add(b.Mul(v, settings.Beta2), b.Mul(b.Mul(g, g), 1 - settings.Beta2));
        Value correction1 = b.Sub(b.Scalar(1), b.Pow(b.Scalar(settings.Beta1), step));   // 1 − β₁ᵗ
        Value correction2 = b.Sub(b.Scalar(1), b.Pow(b.Scalar(settings.Beta2), step));   // 1 − β₂ᵗ
        Value denominator = b.Add(b.Sqrt(b.Div(v2, correction2)), settings.Epsilon);
        Value update = b.Div(b.Div(m2, correction1), denominator);
        b.Output(b.Sub(decayed, b.Mul(update, lr)), TrainingIoNames.Params + TrainingIoNames.OutSuffix);
        b.Output(m2, TrainingIoNames.FirstMoment + TrainingIoNames.OutSuffix);
        b.Output(v2, TrainingIoNames.SecondMoment + TrainingIoNames.OutSuffix);
        return b.Build(new Graph.Initializers.DictionaryInitializerSource(new Dictionary<string, IInitializerData>()));
    }
}
