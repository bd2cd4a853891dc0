using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Nodes.Values;

/// <summary>ComfyUI's conditioning nodes as library functions (nodes.py semantics).</summary>
public static class ConditioningOps
{
    /// <summary>ConditioningSetArea: <c>area = (h/8, w/8, y/8, x/8)</c>, strength, <c>set_area_to_bounds</c> false
    /// on every entry (sizes in pixels, integer division).</summary>
    public static Conditioning SetArea(Conditioning conditioning, int width, int height, int x, int y, double strength)
    {
        ArgumentNullException.ThrowIfNull(conditioning);
        var area = new ConditioningArea(height / 8, width / 8, y / 8, x / 8);
        return conditioning.Select(e => e with
        {
            Options = e.Options with { Area = area, Strength = strength, SetAreaToBounds = false },
        });
    }

    /// <summary>ConditioningZeroOut: zero embedding, <c>pooled_output</c> and <c>conditioning_lyrics</c>.</summary>
    public static Conditioning ZeroOut(Conditioning conditioning)
    {
        ArgumentNullException.ThrowIfNull(conditioning);
        return conditioning.Select(e =>
        {
            var extras = e.Options.Extras.ToDictionary(
                p => p.Key, p => p.Key == "conditioning_lyrics" && p.Value is FloatTensor t ? Zeros(t) : p.Value);
            var options = e.Options with
            {
                PooledOutput = e.Options.PooledOutput is { } pooled ? Zeros(pooled) : null,
                Extras = extras,
            };
            return new ConditioningEntry(Zeros(e.Embedding), options);
        });
    }

    private static FloatTensor Zeros(FloatTensor like) => new((int[])like.Shape.Clone());
}
