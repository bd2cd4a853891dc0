namespace OnnxDiffusion.Models.Synthetic;

/// <summary>How a checkpoint's tensors are laid out on disk.</summary>
public enum CheckpointLayout
{
    /// <summary>One <c>.safetensors</c> file with the original LDM names (<c>model.diffusion_model.…</c>).</summary>
    Ldm,

    /// <summary>
    /// A diffusers folder: <c>unet/diffusion_pytorch_model.safetensors</c>, <c>text_encoder/model.safetensors</c>,
    /// <c>vae/diffusion_pytorch_model.safetensors</c>, their <c>config.json</c> files and <c>model_index.json</c>.
    /// </summary>
    Diffusers,
}
