namespace OnnxDiffusion.Models.Architectures;

/// <summary>
/// Graph input/output names of the exported components, spelled as the diffusers/optimum ONNX convention so
/// existing ONNX Stable Diffusion folders and ours are interchangeable.
/// </summary>
public static class OnnxIoNames
{
    /// <summary>Text encoder input: int64 token ids <c>[batch, sequence]</c>.</summary>
    public const string InputIds = "input_ids";

    /// <summary>Text encoder output: final-LayerNorm hidden states <c>[batch, sequence, width]</c>.</summary>
    public const string LastHiddenState = "last_hidden_state";

    /// <summary>Text encoder output: hidden state at the end-of-text token <c>[batch, width]</c>.</summary>
    public const string PoolerOutput = "pooler_output";

    /// <summary>
    /// Prefix of the per-layer text encoder outputs <c>hidden_states.N</c> (N = 0 embeddings … L last layer,
    /// before the final LayerNorm; Hugging Face <c>output_hidden_states</c> order).
    /// </summary>
    public const string HiddenStatesPrefix = "hidden_states.";

    /// <summary>UNet input: latents <c>[batch, in_channels, height, width]</c>; also the VAE encoder's image.</summary>
    public const string Sample = "sample";

    /// <summary>UNet input: float32 timesteps <c>[timestep_batch]</c>, timestep_batch = 1 or batch.</summary>
    public const string Timestep = "timestep";

    /// <summary>UNet input: text conditioning <c>[batch, sequence, context_dim]</c>.</summary>
    public const string EncoderHiddenStates = "encoder_hidden_states";

    /// <summary>UNet output: model prediction <c>[batch, out_channels, height, width]</c>.</summary>
    public const string OutSample = "out_sample";

    /// <summary>VAE encoder output / decoder input: latents <c>[batch, 4, height/8, width/8]</c>.</summary>
    public const string LatentSample = "latent_sample";

    /// <summary>The text encoder's <c>hidden_states.N</c> output name.</summary>
    public static string HiddenStates(int index) =>
        HiddenStatesPrefix + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
