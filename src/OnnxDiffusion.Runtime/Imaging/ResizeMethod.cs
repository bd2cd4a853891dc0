namespace OnnxDiffusion.Runtime.Imaging;

/// <summary>
/// Resampling methods of ComfyUI's <c>common_upscale</c>: torch <c>interpolate</c> modes (align_corners=False, no
/// antialias), PIL's Lanczos on uint8, and ComfyUI's slerp-based bilinear for latents.
/// </summary>
public enum ResizeMethod
{
    /// <summary>torch <c>nearest-exact</c>: source index floor((i + 0.5)·in/out).</summary>
    NearestExact,

    /// <summary>torch <c>bilinear</c>: half-pixel centres, edge clamp, no antialias.</summary>
    Bilinear,

    /// <summary>torch <c>area</c> = adaptive average pooling.</summary>
    Area,

    /// <summary>torch <c>bicubic</c>: cubic convolution with a = −0.75, clamped taps, not clamped output.</summary>
    Bicubic,

    /// <summary>PIL <c>LANCZOS</c> (a = 3, antialiased when shrinking) on uint8-quantised pixels.</summary>
    Lanczos,

    /// <summary>ComfyUI <c>bislerp</c>: per-axis slerp between neighbouring channel vectors.</summary>
    Bislerp,
}
