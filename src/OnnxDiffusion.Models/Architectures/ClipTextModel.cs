using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Ops;
using OnnxDiffusion.Models.Blocks;
using OnnxDiffusion.Models.Configs;

namespace OnnxDiffusion.Models.Architectures;

/// <summary>
/// The CLIP text transformer (Hugging Face CLIPTextModel layout, SD1: OpenAI ViT-L/14 text tower) as an ONNX graph
/// whose initializer names are the checkpoint keys (<c>cond_stage_model.transformer.text_model.*</c> by default).
/// Input: <c>input_ids</c> int64 <c>[batch, sequence]</c>, sequence ≤ MaxPositions (77). Outputs:
/// <c>last_hidden_state</c> <c>[batch, sequence, Width]</c>, <c>pooler_output</c> <c>[batch, Width]</c> (the row at
/// argmax(input_ids), i.e. the first end-of-text token 49407, as transformers computes it), and optionally
/// <c>hidden_states.0..L</c> (see <see cref="ClipTextModelOptions"/>).
/// </summary>
public static class ClipTextModel
{
    /// <summary>Declares the graph; bind weights with <see cref="GraphBuilder.Build"/>.</summary>
    /// <exception cref="UnsupportedModelException">Inconsistent config or clip skip out of range.</exception>
    public static GraphBuilder Define(ClipTextConfig config, ClipTextModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        options ??= new ClipTextModelOptions();
        Check(config, options);
        var b = new GraphBuilder(options.Graph ?? new GraphBuilderOptions { GraphName = "text_encoder" });
        Value ids = b.Input(OnnxIoNames.InputIds, ElementType.Int64, "batch", "sequence");
        var hidden = new List<Value>();
        Value last, pooled;
        using (b.Scope(options.KeyPrefix))
        {
            Value x = ClipTextEmbeddings.Build(b, "embeddings", ids, config.VocabSize, config.MaxPositions,
                config.Width);                                                     // [B, T, W]
            hidden.Add(x);
            for (int layer = 0; layer < config.Layers; layer++)
            {
                x = ClipTextLayer.Build(b, $"encoder.layers.{layer}", x, config.Heads, config.MlpWidth,
                    config.Activation, config.LayerNormEpsilon);                   // [B, T, W]
                hidden.Add(x);
            }

            Value final = b.LayerNorm(x, "final_layer_norm", config.LayerNormEpsilon);   // [B, T, W]
            pooled = Pool(b, final, ids, config.Width);                            // [B, W]
            last = options.ClipSkip == 1
                ? final
                : b.LayerNorm(hidden[config.Layers + 1 - options.ClipSkip], "final_layer_norm",
                    config.LayerNormEpsilon);                                      // [B, T, W]
        }

        b.Output(last, OnnxIoNames.LastHiddenState, "batch", "sequence", config.Width);
        b.Output(pooled, OnnxIoNames.PoolerOutput, "batch", config.Width);
        if (options.HiddenStatesOutputs)
        {
            for (int i = 0; i < hidden.Count; i++)
            {
                b.Output(hidden[i], OnnxIoNames.HiddenStates(i), "batch", "sequence", config.Width);
            }
        }

        return b;
    }

    /// <summary><see cref="Define"/> then <see cref="GraphBuilder.Build"/> with <paramref name="weights"/>.</summary>
    /// <exception cref="WeightMismatchException">Weights are missing or mis-shaped (all listed at once).</exception>
    public static OnnxModel Build(ClipTextConfig config, IInitializerSource weights,
        ClipTextModelOptions? options = null) => Define(config, options).Build(weights);

    /// <summary>Rows of <paramref name="hidden"/> <c>[B, T, W]</c> at argmax(ids) per row → <c>[B, W]</c>.</summary>
    private static Value Pool(GraphBuilder b, Value hidden, Value ids, long width)
    {
        // ArgMax over int32: ORT has no int64 ArgMax kernel; CLIP ids < 2^31. Ties resolve to the first index.
        Value eos = b.ArgMax(b.Cast(ids, ElementType.Int32), 1);                   // [B]
        Value batch = b.Squeeze(b.Shape(ids, 0, 1), 0);                            // scalar B
        Value length = b.Shape(ids, 1, 2);                                         // [1] = T
        Value rows = b.Range(b.ScalarInt64(0), batch, b.ScalarInt64(1));           // [B]
        Value flatIndex = b.Add(b.Mul(rows, length), eos);                         // [B]
        Value flat = b.Reshape(hidden, -1, width);                                 // [B·T, W]
        return b.Gather(flat, flatIndex, 0);                                       // [B, W]
    }

    private static void Check(ClipTextConfig config, ClipTextModelOptions options)
    {
        if (config.Heads <= 0 || config.Width % config.Heads != 0 || config.Layers < 1)
        {
            throw new UnsupportedModelException(
                $"Cannot build a CLIP text model: width {config.Width} must be divisible by {config.Heads} heads " +
                $"and layers ({config.Layers}) at least 1. Check the detected config.");
        }

        if (options.ClipSkip < 1 || options.ClipSkip > config.Layers)
        {
            throw new UnsupportedModelException(
                $"Clip skip {options.ClipSkip} is outside 1..{config.Layers} for a {config.Layers}-layer text model.");
        }
    }
}
