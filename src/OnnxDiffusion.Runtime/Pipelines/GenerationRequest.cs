using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Runtime.Rng;
using OnnxDiffusion.Runtime.Sampling;

namespace OnnxDiffusion.Runtime.Pipelines;

/// <summary>
/// One txt2img / img2img / inpaint request, with ComfyUI's defaults (KSampler: 20 steps, cfg 8, euler, normal).
/// img2img = <see cref="InitImage"/> + <see cref="Denoise"/> &lt; 1; inpainting adds <see cref="Mask"/>.
/// </summary>
public sealed record GenerationRequest
{
    /// <summary>Positive prompt (ComfyUI weighting syntax).</summary>
    public required string Prompt { get; init; }

    /// <summary>Negative prompt.</summary>
    public string NegativePrompt { get; init; } = string.Empty;

    /// <summary>Sampling steps.</summary>
    public int Steps { get; init; } = 20;

    /// <summary>Classifier-free guidance scale (exactly 1 skips the negative prompt).</summary>
    public double Cfg { get; init; } = 8.0;

    /// <summary>ComfyUI sampler name.</summary>
    public string Sampler { get; init; } = SamplerNames.Euler;

    /// <summary>ComfyUI scheduler name.</summary>
    public string Scheduler { get; init; } = SamplerNames.SchedulerNormal;

    /// <summary>Seed.</summary>
    public ulong Seed { get; init; }

    /// <summary>Image width in pixels (multiple of 8).</summary>
    public int Width { get; init; } = 512;

    /// <summary>Image height in pixels (multiple of 8).</summary>
    public int Height { get; init; } = 512;

    /// <summary>Images per batch.</summary>
    public int Batch { get; init; } = 1;

    /// <summary>img2img / inpaint source, IMAGE <c>[1, H, W, 3]</c> in 0..1 (resized to Width×Height).</summary>
    public FloatTensor? InitImage { get; init; }

    /// <summary>Denoise strength (1 = txt2img; img2img typically 0.75).</summary>
    public double Denoise { get; init; } = 1.0;

    /// <summary>Inpainting mask <c>[1, H, W]</c>, 1 = regenerate (resized to the latent).</summary>
    public FloatTensor? Mask { get; init; }

    /// <summary>Noise generator: torch CPU (ComfyUI) or Philox (torch CUDA / A1111 GPU seeds).</summary>
    public RngKind Rng { get; init; } = RngKind.TorchCpu;

    /// <summary>Clip skip: 1 = last layer (ComfyUI CLIPSetLastLayer −1), 2 = penultimate, …</summary>
    public int ClipSkip { get; init; } = 1;

    /// <summary>
    /// Trained context tokens (<c>onnxdiff train-context</c>) appended, times <see cref="ReferenceContextScale"/>,
    /// after the positive text context, as AnimaFastTrainPatchModel does; null for none.
    /// </summary>
    public Core.Training.ContextTokens? ReferenceContext { get; init; }

    /// <summary>Scale of the <see cref="ReferenceContext"/> tokens (ComfyUI's reference_context_scale).</summary>
    public double ReferenceContextScale { get; init; } = 1.0;

    /// <summary>Checks the request before any model runs.</summary>
    /// <exception cref="InvalidInputException">Every problem at once, with the allowed values.</exception>
    public void Validate()
    {
        var problems = new List<string>();
        if (Width < 8 || Height < 8 || Width % 8 != 0 || Height % 8 != 0 || Width > 8192 || Height > 8192)
        {
            problems.Add($"size {Width}×{Height} must be multiples of 8 between 8 and 8192");
        }

        if (Batch < 1 || Batch > 64)
        {
            problems.Add($"batch {Batch} must be 1..64");
        }

        if (ClipSkip < 1 || ClipSkip > 24)
        {
            problems.Add($"clip skip {ClipSkip} must be 1..24");
        }

        if (Mask is not null && InitImage is null)
        {
            problems.Add("a mask needs an init image (--init-image)");
        }

        if (ReferenceContext is not null && !double.IsFinite(ReferenceContextScale))
        {
            problems.Add($"reference context scale {ReferenceContextScale} must be a finite number");
        }

        if (InitImage is null && Denoise < 1)
        {
            problems.Add($"denoise {Denoise} < 1 needs an init image (--init-image)");
        }

        if (problems.Count > 0)
        {
            throw new InvalidInputException("Invalid generation request: " + string.Join("; ", problems) + ".");
        }
    }
}
