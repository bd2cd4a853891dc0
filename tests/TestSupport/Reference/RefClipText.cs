using OnnxDiffusion.Models.Configs;

namespace OnnxDiffusion.TestSupport.Reference;

/// <summary>
/// Naive float64 CLIP text transformer in the Hugging Face layout used by SD1 checkpoints
/// (<c>cond_stage_model.transformer.text_model.*</c>): token + position embeddings, pre-LN layers with causal
/// self-attention and a quick-GELU (or GELU) MLP, final LayerNorm.
/// </summary>
public static class RefClipText
{
    /// <summary>The SD1 text-model key prefix.</summary>
    public const string Prefix = "cond_stage_model.transformer.text_model.";

    /// <summary>
    /// Runs the model on <paramref name="inputIds"/> (<c>[B][T]</c>, T ≤ MaxPositions, positions 0..T−1).
    /// </summary>
    public static RefClipOutput Forward(ReferenceWeights weights, ClipTextConfig config, long[][] inputIds,
        string prefix = Prefix)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(inputIds);
        RefTensor x = Embeddings(weights, config, inputIds, prefix);
        var hidden = new List<RefTensor> { x };
        for (int layer = 0; layer < config.Layers; layer++)
        {
            x = Layer(weights, config, $"{prefix}encoder.layers.{layer}.", x);
            hidden.Add(x);
        }

        RefTensor last = RefOps.LayerNorm(x, weights.Get(prefix + "final_layer_norm.weight", config.Width),
            weights.Get(prefix + "final_layer_norm.bias", config.Width), config.LayerNormEpsilon);
        return new RefClipOutput(last, Pool(last, inputIds), hidden);
    }

    /// <summary>Token embedding lookup plus learned position embedding: <c>[B, T, W]</c>.</summary>
    public static RefTensor Embeddings(ReferenceWeights weights, ClipTextConfig config, long[][] inputIds,
        string prefix = Prefix)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(inputIds);
        int w = config.Width, b = inputIds.Length, t = inputIds[0].Length;
        double[] tokens = weights.Get(prefix + "embeddings.token_embedding.weight", config.VocabSize, w);
        double[] positions = weights.Get(prefix + "embeddings.position_embedding.weight", config.MaxPositions, w);
        var x = new RefTensor(b, t, w);
        for (int n = 0; n < b; n++)
        {
            for (int i = 0; i < t; i++)
            {
                long id = inputIds[n][i];
                for (int e = 0; e < w; e++)
                {
                    x.Data[(((n * t) + i) * w) + e] = tokens[(id * w) + e] + positions[(i * w) + e];
                }
            }
        }

        return x;
    }

    /// <summary>
    /// One encoder layer: x += out_proj(causal-attention(layer_norm1(x))); x += fc2(act(fc1(layer_norm2(x)))).
    /// </summary>
    public static RefTensor Layer(ReferenceWeights weights, ClipTextConfig config, string prefix, RefTensor x)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(config);
        int w = config.Width, m = config.MlpWidth;
        double eps = config.LayerNormEpsilon;
        RefTensor h = RefOps.LayerNorm(x, weights.Get(prefix + "layer_norm1.weight", w),
            weights.Get(prefix + "layer_norm1.bias", w), eps);
        RefTensor q = Project(weights, prefix + "self_attn.q_proj.", h, w);
        RefTensor k = Project(weights, prefix + "self_attn.k_proj.", h, w);
        RefTensor v = Project(weights, prefix + "self_attn.v_proj.", h, w);
        RefTensor a = RefOps.Attention(q, k, v, config.Heads, causal: true);
        x = RefOps.Add(x, Project(weights, prefix + "self_attn.out_proj.", a, w));

        h = RefOps.LayerNorm(x, weights.Get(prefix + "layer_norm2.weight", w),
            weights.Get(prefix + "layer_norm2.bias", w), eps);
        h = Project(weights, prefix + "mlp.fc1.", h, m);
        h = RefOps.Map(h, config.Activation == "quick_gelu" ? RefOps.QuickGelu : RefOps.Gelu);
        return RefOps.Add(x, Project(weights, prefix + "mlp.fc2.", h, w));
    }

    /// <summary>
    /// Pooled output: the row of <paramref name="lastHidden"/> at the first position holding the largest id
    /// (torch.argmax over input_ids, i.e. the first end-of-text token for CLIP's vocabulary). <c>[B, W]</c>.
    /// </summary>
    public static RefTensor Pool(RefTensor lastHidden, long[][] inputIds)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        int b = lastHidden.Shape[0], t = lastHidden.Shape[1], w = lastHidden.Shape[2];
        var pooled = new RefTensor(b, w);
        for (int n = 0; n < b; n++)
        {
            int best = 0;
            for (int i = 1; i < t; i++)
            {
                if (inputIds[n][i] > inputIds[n][best])
                {
                    best = i;
                }
            }

            Array.Copy(lastHidden.Data, ((n * t) + best) * w, pooled.Data, n * w, w);
        }

        return pooled;
    }

    private static RefTensor Project(ReferenceWeights weights, string prefix, RefTensor x, int outFeatures)
    {
        int inFeatures = x.Shape[^1];
        return RefOps.Linear(x, weights.Get(prefix + "weight", outFeatures, inFeatures),
            weights.Get(prefix + "bias", outFeatures), outFeatures);
    }
}
