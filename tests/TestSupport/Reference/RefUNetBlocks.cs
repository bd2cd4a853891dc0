namespace OnnxDiffusion.TestSupport.Reference;

/// <summary>
/// Naive float64 versions of the LDM UNet blocks (openaimodel / attention.py semantics), one method per block,
/// reading weights by checkpoint key under <c>prefix</c> (which ends with a dot, e.g.
/// <c>model.diffusion_model.input_blocks.1.0.</c>).
/// Norm epsilons follow the original code: ResBlock and the final <c>out</c> GroupNorm use torch's default
/// 1e-5 (GroupNorm32), the SpatialTransformer GroupNorm uses 1e-6, transformer LayerNorms 1e-5.
/// </summary>
public static class RefUNetBlocks
{
    /// <summary>GroupNorm epsilon of ResBlock and the output norm (torch default).</summary>
    public const double ResBlockNormEps = 1e-5;

    /// <summary>GroupNorm epsilon of SpatialTransformer.norm.</summary>
    public const double TransformerGroupNormEps = 1e-6;

    /// <summary>LayerNorm epsilon inside BasicTransformerBlock.</summary>
    public const double LayerNormEps = 1e-5;

    /// <summary>
    /// Sinusoidal timestep embedding as LDM <c>timestep_embedding</c>: half = dim/2,
    /// freq_i = exp(−ln(10000)·i/half), output [cos(t·freq), sin(t·freq)] (cos first; zero pad for odd dim).
    /// Returns <c>[B, dim]</c>.
    /// </summary>
    public static RefTensor TimestepEmbedding(double[] timesteps, int dim)
    {
        ArgumentNullException.ThrowIfNull(timesteps);
        int half = dim / 2;
        var y = new RefTensor(timesteps.Length, dim);
        for (int n = 0; n < timesteps.Length; n++)
        {
            for (int i = 0; i < half; i++)
            {
                double freq = Math.Exp(-Math.Log(10000) * i / half);
                double arg = timesteps[n] * freq;
                y.Data[(n * dim) + i] = Math.Cos(arg);
                y.Data[(n * dim) + half + i] = Math.Sin(arg);
            }
        }

        return y;
    }

    /// <summary>
    /// <c>time_embed</c>: Linear(C → 4C), SiLU, Linear(4C → 4C). Input <c>[B, C]</c>, output <c>[B, 4C]</c>.
    /// </summary>
    public static RefTensor TimeEmbed(ReferenceWeights weights, string prefix, RefTensor sinusoid, int embedDim)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int c = sinusoid.Shape[1];
        RefTensor h = RefOps.Linear(sinusoid, weights.Get(prefix + "0.weight", embedDim, c),
            weights.Get(prefix + "0.bias", embedDim), embedDim);
        h = RefOps.Map(h, RefOps.Silu);
        return RefOps.Linear(h, weights.Get(prefix + "2.weight", embedDim, embedDim),
            weights.Get(prefix + "2.bias", embedDim), embedDim);
    }

    /// <summary>
    /// LDM ResBlock: h = conv(SiLU(GN(x))); h += Linear(SiLU(emb)) per channel; h = conv(SiLU(GN(h)));
    /// return skip(x) + h, where skip is identity or a 1×1 conv (<c>skip_connection</c>) when channels change.
    /// </summary>
    public static RefTensor ResBlock(ReferenceWeights weights, string prefix, RefTensor x, RefTensor emb,
        int outChannels, int groups)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int c = x.Shape[1], embDim = emb.Shape[1];
        RefTensor h = GroupNormSilu(weights, prefix + "in_layers.0.", x, groups, ResBlockNormEps);
        h = Conv(weights, prefix + "in_layers.2.", h, outChannels, 3, 1, 1);
        RefTensor e = RefOps.Linear(RefOps.Map(emb, RefOps.Silu),
            weights.Get(prefix + "emb_layers.1.weight", outChannels, embDim),
            weights.Get(prefix + "emb_layers.1.bias", outChannels), outChannels);
        int plane = h.Shape[2] * h.Shape[3];
        for (int n = 0; n < h.Shape[0]; n++)
        {
            for (int o = 0; o < outChannels; o++)
            {
                double add = e.Data[(n * outChannels) + o];
                int off = ((n * outChannels) + o) * plane;
                for (int i = 0; i < plane; i++)
                {
                    h.Data[off + i] += add;
                }
            }
        }

        h = GroupNormSilu(weights, prefix + "out_layers.0.", h, groups, ResBlockNormEps);
        h = Conv(weights, prefix + "out_layers.3.", h, outChannels, 3, 1, 1);
        RefTensor skip = c == outChannels ? x : Conv(weights, prefix + "skip_connection.", x, outChannels, 1, 1, 0);
        return RefOps.Add(skip, h);
    }

    /// <summary>
    /// CrossAttention: q = x·to_qᵀ, k/v = context·to_k/vᵀ (no biases; context = x for self-attention),
    /// multi-head softmax attention, then <c>to_out.0</c> (Linear with bias). <c>[B, T, C]</c> → <c>[B, T, C]</c>.
    /// </summary>
    public static RefTensor CrossAttention(ReferenceWeights weights, string prefix, RefTensor x, RefTensor? context,
        int heads)
    {
        ArgumentNullException.ThrowIfNull(weights);
        RefTensor ctx = context ?? x;
        int c = x.Shape[2], ctxDim = ctx.Shape[2];
        RefTensor q = RefOps.Linear(x, weights.Get(prefix + "to_q.weight", c, c), null, c);
        RefTensor k = RefOps.Linear(ctx, weights.Get(prefix + "to_k.weight", c, ctxDim), null, c);
        RefTensor v = RefOps.Linear(ctx, weights.Get(prefix + "to_v.weight", c, ctxDim), null, c);
        RefTensor a = RefOps.Attention(q, k, v, heads, causal: false);
        return RefOps.Linear(a, weights.Get(prefix + "to_out.0.weight", c, c), weights.Get(prefix + "to_out.0.bias", c),
            c);
    }

    /// <summary>
    /// GEGLU feed-forward: p = x·net.0.projᵀ + b (<c>[.., 2·inner]</c>, inner = 4C); value = first half,
    /// gate = second half; y = (value·GELU(gate))·net.2ᵀ + b. Exact (erf) GELU.
    /// </summary>
    public static RefTensor FeedForward(ReferenceWeights weights, string prefix, RefTensor x)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int c = x.Shape[^1], inner = 4 * c;
        RefTensor p = RefOps.Linear(x, weights.Get(prefix + "net.0.proj.weight", 2 * inner, c),
            weights.Get(prefix + "net.0.proj.bias", 2 * inner), 2 * inner);
        int rows = x.Length / c;
        int[] shape = (int[])x.Shape.Clone();
        shape[^1] = inner;
        var g = new RefTensor(shape);
        for (int r = 0; r < rows; r++)
        {
            for (int i = 0; i < inner; i++)
            {
                double value = p.Data[(r * 2 * inner) + i];
                double gate = p.Data[(r * 2 * inner) + inner + i];
                g.Data[(r * inner) + i] = value * RefOps.Gelu(gate);
            }
        }

        return RefOps.Linear(g, weights.Get(prefix + "net.2.weight", c, inner), weights.Get(prefix + "net.2.bias", c),
            c);
    }

    /// <summary>
    /// BasicTransformerBlock: x += attn1(norm1(x)); x += attn2(norm2(x), context); x += ff(norm3(x)).
    /// <c>[B, T, C]</c> with context <c>[B, S, ctx]</c>.
    /// </summary>
    public static RefTensor TransformerBlock(ReferenceWeights weights, string prefix, RefTensor x, RefTensor context,
        int heads)
    {
        RefTensor attn1 = CrossAttention(weights, prefix + "attn1.", Norm(weights, prefix + "norm1.", x), null, heads);
        RefTensor h = RefOps.Add(x, attn1);
        RefTensor normed = Norm(weights, prefix + "norm2.", h);
        RefTensor attn2 = CrossAttention(weights, prefix + "attn2.", normed, context, heads);
        h = RefOps.Add(h, attn2);
        return RefOps.Add(h, FeedForward(weights, prefix + "ff.", Norm(weights, prefix + "norm3.", h)));
    }

    /// <summary>
    /// SpatialTransformer: GN(eps 1e-6) → proj_in (1×1 conv, or Linear on tokens when
    /// <see cref="SpatialTransformerSpec.UseLinear"/>) → <see cref="SpatialTransformerSpec.Depth"/> transformer
    /// blocks → proj_out → + input.
    /// </summary>
    public static RefTensor SpatialTransformer(ReferenceWeights weights, string prefix, RefTensor x, RefTensor context,
        SpatialTransformerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(spec);
        int c = x.Shape[1], height = x.Shape[2], width = x.Shape[3];
        RefTensor h = RefOps.GroupNorm(x, spec.Groups, weights.Get(prefix + "norm.weight", c),
            weights.Get(prefix + "norm.bias", c), TransformerGroupNormEps);
        RefTensor tokens;
        if (spec.UseLinear)
        {
            tokens = RefOps.Linear(RefOps.ImageToTokens(h), weights.Get(prefix + "proj_in.weight", c, c),
                weights.Get(prefix + "proj_in.bias", c), c);
        }
        else
        {
            tokens = RefOps.ImageToTokens(Conv(weights, prefix + "proj_in.", h, c, 1, 1, 0));
        }

        for (int d = 0; d < spec.Depth; d++)
        {
            tokens = TransformerBlock(weights, $"{prefix}transformer_blocks.{d}.", tokens, context, spec.Heads);
        }

        RefTensor output = spec.UseLinear
            ? RefOps.TokensToImage(RefOps.Linear(tokens, weights.Get(prefix + "proj_out.weight", c, c),
                weights.Get(prefix + "proj_out.bias", c), c), height, width)
            : Conv(weights, prefix + "proj_out.", RefOps.TokensToImage(tokens, height, width), c, 1, 1, 0);
        return RefOps.Add(output, x);
    }

    /// <summary>Downsample: 3×3 conv, stride 2, padding 1 (weights <c>op.*</c>).</summary>
    public static RefTensor Downsample(ReferenceWeights weights, string prefix, RefTensor x) =>
        Conv(weights, prefix + "op.", x, x.Shape[1], 3, 2, 1);

    /// <summary>Upsample: nearest 2×, then 3×3 conv, padding 1 (weights <c>conv.*</c>).</summary>
    public static RefTensor Upsample(ReferenceWeights weights, string prefix, RefTensor x) =>
        Conv(weights, prefix + "conv.", RefOps.UpsampleNearest2x(x), x.Shape[1], 3, 1, 1);

    /// <summary>Convolution with weights <c>prefix + weight/bias</c>, square kernel, symmetric padding.</summary>
    public static RefTensor Conv(ReferenceWeights weights, string prefix, RefTensor x, int outChannels, int kernel,
        int stride, int pad)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int c = x.Shape[1];
        return RefOps.Conv2d(x, weights.Get(prefix + "weight", outChannels, c, kernel, kernel),
            weights.Get(prefix + "bias", outChannels), ConvSpec.Same(outChannels, kernel, stride, pad));
    }

    /// <summary>GroupNorm (weights <c>prefix + weight/bias</c>) followed by SiLU.</summary>
    public static RefTensor GroupNormSilu(ReferenceWeights weights, string prefix, RefTensor x, int groups, double eps)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int c = x.Shape[1];
        double[] gamma = weights.Get(prefix + "weight", c);
        RefTensor h = RefOps.GroupNorm(x, groups, gamma, weights.Get(prefix + "bias", c), eps);
        return RefOps.Map(h, RefOps.Silu);
    }

    private static RefTensor Norm(ReferenceWeights weights, string prefix, RefTensor x)
    {
        int c = x.Shape[^1];
        return RefOps.LayerNorm(x, weights.Get(prefix + "weight", c), weights.Get(prefix + "bias", c), LayerNormEps);
    }
}
