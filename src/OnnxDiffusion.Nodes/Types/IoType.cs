using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Nodes.Values;

namespace OnnxDiffusion.Nodes.Types;

/// <summary>
/// A ComfyUI data type (<c>IMAGE</c>, <c>LATENT</c>, <c>INT</c>, ...): its exact name, whether it is a widget
/// (a literal value in the workflow JSON) and the CLR type its runtime values have. The known types are the
/// static members; <see cref="All"/> lists them for registry checks.
/// </summary>
public sealed class IoType
{
    private IoType(string name, bool isWidget, Type? clrType)
    {
        Name = name;
        IsWidget = isWidget;
        ClrType = clrType;
    }

    /// <summary>ComfyUI spelling, e.g. <c>LATENT</c>.</summary>
    public string Name { get; }

    /// <summary>True for INT, FLOAT, STRING, BOOLEAN and COMBO: values may be literals in the workflow.</summary>
    public bool IsWidget { get; }

    /// <summary>CLR type of runtime values (null = not checked, e.g. numbers of any width).</summary>
    public Type? ClrType { get; }

    /// <summary>Diffusion model handle (opaque; implemented by the runtime).</summary>
    public static IoType Model { get; } = new(ComfyNames.Types.Model, false, typeof(IModelHandle));

    /// <summary>Text encoder handle (opaque; implemented by the runtime).</summary>
    public static IoType Clip { get; } = new(ComfyNames.Types.Clip, false, typeof(IClipHandle));

    /// <summary>VAE handle (opaque; implemented by the runtime).</summary>
    public static IoType Vae { get; } = new(ComfyNames.Types.Vae, false, typeof(IVaeHandle));

    /// <summary>ControlNet / T2I-adapter handle (opaque; implemented by the runtime).</summary>
    public static IoType ControlNet { get; } = new(ComfyNames.Types.ControlNet, false, typeof(IControlNetHandle));

    /// <summary>CLIP vision handle (opaque; implemented by the runtime).</summary>
    public static IoType ClipVision { get; } = new(ComfyNames.Types.ClipVision, false, typeof(IClipVisionHandle));

    /// <summary>Trained reference-context tokens with metadata: <see cref="Core.Training.ContextTokens"/>.</summary>
    public static IoType ReferenceContext { get; } =
        new(ComfyNames.Types.ReferenceContext, false, typeof(Core.Training.ContextTokens));

    /// <summary>List of (embedding, options) entries: <see cref="Values.Conditioning"/>.</summary>
    public static IoType Conditioning { get; } = new(ComfyNames.Types.Conditioning, false, typeof(Conditioning));

    /// <summary><see cref="Values.Latent"/>: raw latents <c>[B, 4, H/8, W/8]</c>, optional mask.</summary>
    public static IoType Latent { get; } = new(ComfyNames.Types.Latent, false, typeof(Latent));

    /// <summary><see cref="FloatTensor"/> <c>[B, H, W, C]</c>, RGB(A) in 0..1, channels last.</summary>
    public static IoType Image { get; } = new(ComfyNames.Types.Image, false, typeof(FloatTensor));

    /// <summary><see cref="FloatTensor"/> <c>[B, H, W]</c> in 0..1.</summary>
    public static IoType Mask { get; } = new(ComfyNames.Types.Mask, false, typeof(FloatTensor));

    /// <summary>Integer widget; values are <see cref="Int128"/> after validation (seeds reach 2^64 − 1).</summary>
    public static IoType Int { get; } = new(ComfyNames.Types.Int, true, null);

    /// <summary>Float widget; values are <see cref="double"/>.</summary>
    public static IoType Float { get; } = new(ComfyNames.Types.Float, true, typeof(double));

    /// <summary>String widget.</summary>
    public static IoType String { get; } = new(ComfyNames.Types.String, true, typeof(string));

    /// <summary>Boolean widget.</summary>
    public static IoType Boolean { get; } = new(ComfyNames.Types.Boolean, true, typeof(bool));

    /// <summary>Combo widget: one string out of a list.</summary>
    public static IoType Combo { get; } = new(ComfyNames.Types.Combo, true, typeof(string));

    /// <summary>ComfyUI's any-type <c>*</c>: matches every type in link checks.</summary>
    public static IoType Any { get; } = new(ComfyNames.Types.Any, false, null);

    /// <summary>Every known type.</summary>
    public static IReadOnlyList<IoType> All { get; } =
    [
        Model, Clip, Vae, ControlNet, ClipVision, Conditioning, Latent, Image, Mask, Int, Float, String, Boolean,
        Combo, Any, ReferenceContext,
    ];

    /// <summary>
    /// ComfyUI's <c>validate_node_input</c> (non-strict): equal names, either side <c>*</c>, or comma-separated
    /// unions that overlap.
    /// </summary>
    public static bool LinkAccepts(string receivedType, string inputType)
    {
        if (receivedType == inputType || receivedType == ComfyNames.Types.Any || inputType == ComfyNames.Types.Any)
        {
            return true;
        }

        var received = receivedType.Split(',', StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        var accepted = inputType.Split(',', StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        return received.Contains(ComfyNames.Types.Any) || accepted.Contains(ComfyNames.Types.Any)
            || received.Overlaps(accepted);
    }

    /// <summary>True when <paramref name="value"/> may flow through an output of this type.</summary>
    public bool Accepts(object? value) => value is null || ClrType is null || ClrType.IsInstanceOfType(value);

    /// <inheritdoc />
    public override string ToString() => Name;
}
