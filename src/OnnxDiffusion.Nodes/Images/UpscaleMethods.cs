using OnnxDiffusion.Runtime.Imaging;

namespace OnnxDiffusion.Nodes.Images;

/// <summary>Maps ComfyUI's <c>upscale_method</c> strings to <see cref="ResizeMethod"/>.</summary>
public static class UpscaleMethods
{
    /// <summary>The method named <paramref name="name"/> (<c>nearest-exact</c>, <c>bilinear</c>, ...).</summary>
    /// <exception cref="NotSupportedException">Unknown name; lists the valid ones.</exception>
    public static ResizeMethod Parse(string name) => name switch
    {
        ComfyNames.Options.NearestExact => ResizeMethod.NearestExact,
        ComfyNames.Options.Bilinear => ResizeMethod.Bilinear,
        ComfyNames.Options.Area => ResizeMethod.Area,
        ComfyNames.Options.Bicubic => ResizeMethod.Bicubic,
        ComfyNames.Options.Lanczos => ResizeMethod.Lanczos,
        ComfyNames.Options.Bislerp => ResizeMethod.Bislerp,
        _ => throw new NotSupportedException(
            $"Unknown upscale_method '{name}'. Valid: {string.Join(", ", ComfyNames.Options.ImageUpscaleMethods
                .Union(ComfyNames.Options.LatentUpscaleMethods))}."),
    };

    /// <summary>True for crop <c>center</c>, false for <c>disabled</c>.</summary>
    /// <exception cref="NotSupportedException">Any other value.</exception>
    public static bool ParseCrop(string crop) => crop switch
    {
        ComfyNames.Options.Center => true,
        ComfyNames.Options.Disabled => false,
        _ => throw new NotSupportedException($"Unknown crop '{crop}'. Valid: disabled, center."),
    };
}
