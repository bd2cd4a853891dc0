using OnnxDiffusion.Graph;

namespace OnnxDiffusion.Models.Architectures;

/// <summary>Export choices for <see cref="AutoencoderKlEncoder"/> and <see cref="AutoencoderKlDecoder"/>.</summary>
public sealed record VaeModelOptions
{
    /// <summary>Key prefix of the VAE tensors, without the trailing dot (LDM: <c>first_stage_model</c>).</summary>
    public string KeyPrefix { get; init; } = "first_stage_model";

    /// <summary>Graph name, opset and metadata; null = <c>vae_encoder</c> / <c>vae_decoder</c>, opset 23.</summary>
    public GraphBuilderOptions? Graph { get; init; }
}
