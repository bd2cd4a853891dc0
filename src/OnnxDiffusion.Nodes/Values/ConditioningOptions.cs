using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Nodes.Values;

/// <summary>
/// The options dict of one conditioning entry (ComfyUI keys in brackets). Immutable; derive with <c>with</c>.
/// Keys without a typed property (<c>control</c>, <c>gligen</c>, ...) go in <see cref="Extras"/> under their
/// ComfyUI name.
/// </summary>
public sealed record ConditioningOptions
{
    /// <summary>[<c>pooled_output</c>] pooled text embedding <c>[B, D]</c>, or null.</summary>
    public FloatTensor? PooledOutput { get; init; }

    /// <summary>[<c>area</c>] region in latent units, or null for the whole image.</summary>
    public ConditioningArea? Area { get; init; }

    /// <summary>[<c>strength</c>] weight of this entry (ComfyUI treats a missing value as 1.0).</summary>
    public double? Strength { get; init; }

    /// <summary>[<c>set_area_to_bounds</c>].</summary>
    public bool SetAreaToBounds { get; init; }

    /// <summary>[<c>mask</c>] region mask <c>[B, H, W]</c>, or null.</summary>
    public FloatTensor? Mask { get; init; }

    /// <summary>[<c>mask_strength</c>], or null.</summary>
    public double? MaskStrength { get; init; }

    /// <summary>[<c>start_percent</c>] 0..1, or null (= 0).</summary>
    public double? StartPercent { get; init; }

    /// <summary>[<c>end_percent</c>] 0..1, or null (= 1).</summary>
    public double? EndPercent { get; init; }

    /// <summary>Other ComfyUI keys (e.g. <c>control</c>, <c>control_apply_to_uncond</c>) by name.</summary>
    public IReadOnlyDictionary<string, object?> Extras { get; init; } = new Dictionary<string, object?>();
}
