namespace OnnxDiffusion.Nodes.Values;

/// <summary>
/// ComfyUI's conditioning <c>area</c> tuple <c>(height, width, y, x)</c>, in latent units (pixels / 8).
/// </summary>
public readonly record struct ConditioningArea(int Height, int Width, int Y, int X);
