namespace OnnxDiffusion.Runtime.Rng;

/// <summary>Which reference random generator an <see cref="IRandomSource"/> reproduces.</summary>
public enum RngKind
{
    /// <summary>
    /// torch's CPU generator (MT19937, <c>torch.manual_seed</c>): ComfyUI's initial noise, and its per-step
    /// noise when ComfyUI runs on the CPU. Only the low 32 bits of the seed matter.
    /// </summary>
    TorchCpu = 0,

    /// <summary>
    /// torch's CUDA generator (Philox4x32-10, curand box-muller): ComfyUI's per-step ancestral noise on an NVIDIA
    /// GPU and AUTOMATIC1111's "GPU" seeds. The full 64-bit seed is the Philox key.
    /// </summary>
    Philox = 1,
}
