using System.Diagnostics.CodeAnalysis;
using OnnxDiffusion.Models.Configs;

namespace OnnxDiffusion.Models.Layouts;

/// <summary>
/// Bidirectional map between the canonical LDM names of an SD1.x checkpoint and the names of the same tensors in
/// a diffusers folder, written as <c>&lt;component&gt;/&lt;key&gt;</c> (<c>unet/</c>, <c>text_encoder/</c>,
/// <c>vae/</c>), e.g. <c>model.diffusion_model.input_blocks.1.0.in_layers.0.weight</c> ↔
/// <c>unet/down_blocks.0.resnets.0.norm1.weight</c>. The map covers every tensor of <see cref="Sd15Layout"/> for
/// any SD1.x widths (names depend only on the level and layer counts, which SD1.x fixes) and is a bijection on
/// those 1,131 names. The tensor bytes are identical on both sides; only the VAE mid-block attention
/// projections change shape (LDM 1×1 conv [C, C, 1, 1] ↔ diffusers Linear [C, C]), see
/// <see cref="ToDiffusersShape"/>. Older diffusers VAE names (<c>query</c>, <c>key</c>, <c>value</c>,
/// <c>proj_attn</c>) are accepted by <see cref="TryToLdm"/> but never produced. Thread-safe (immutable tables).
/// </summary>
public static class Sd15DiffusersKeyMap
{
    /// <summary>Folder (and name prefix) of the UNet in a diffusers pipeline.</summary>
    public const string UNetComponent = "unet/";

    /// <summary>Folder (and name prefix) of the CLIP text encoder in a diffusers pipeline.</summary>
    public const string TextEncoderComponent = "text_encoder/";

    /// <summary>Folder (and name prefix) of the VAE in a diffusers pipeline.</summary>
    public const string VaeComponent = "vae/";

    private static readonly string[] s_legacyVaeAttention = ["query", "key", "value", "proj_attn"];
    private static readonly string[] s_vaeAttention = ["to_q", "to_k", "to_v", "to_out.0"];

    private static readonly Lazy<(Dictionary<string, string> ToDiff, Dictionary<string, string> ToLdm)> s_tables =
        new(BuildTables);

    /// <summary>
    /// The diffusers name (with component prefix) of an LDM key; throws <see cref="KeyNotFoundException"/>.
    /// </summary>
    public static string ToDiffusers(string ldmName) =>
        TryToDiffusers(ldmName, out string? name) ? name
            : throw new KeyNotFoundException($"'{ldmName}' is not a tensor name of an SD1.x LDM checkpoint.");

    /// <summary>The canonical LDM key of a diffusers name; throws <see cref="KeyNotFoundException"/>.</summary>
    public static string ToLdm(string diffusersName) =>
        TryToLdm(diffusersName, out string? name) ? name
            : throw new KeyNotFoundException(
                $"'{diffusersName}' is not a tensor name of an SD1.x diffusers pipeline (unet/, text_encoder/, vae/).");

    /// <summary>Looks up the diffusers name of an LDM key; false for names outside the SD1.x layout.</summary>
    public static bool TryToDiffusers(string ldmName, [NotNullWhen(true)] out string? diffusersName)
    {
        ArgumentNullException.ThrowIfNull(ldmName);
        return s_tables.Value.ToDiff.TryGetValue(ldmName, out diffusersName);
    }

    /// <summary>
    /// Looks up the LDM key of a diffusers name (component prefix included); false for names outside the SD1.x
    /// layout. Accepts the legacy VAE attention names.
    /// </summary>
    public static bool TryToLdm(string diffusersName, [NotNullWhen(true)] out string? ldmName)
    {
        ArgumentNullException.ThrowIfNull(diffusersName);
        return s_tables.Value.ToLdm.TryGetValue(ModernizeVaeName(diffusersName), out ldmName);
    }

    /// <summary>
    /// True for the tensors whose shape differs between layouts: the weights of the VAE mid-block attention
    /// q/k/v/proj_out (LDM [C, C, 1, 1], diffusers [C, C]). The bytes are the same; only the shape changes.
    /// </summary>
    public static bool IsReshaped(string ldmName)
    {
        ArgumentNullException.ThrowIfNull(ldmName);
        if (!ldmName.StartsWith(Sd15Layout.VaePrefix, StringComparison.Ordinal) || !ldmName.EndsWith(".weight",
                StringComparison.Ordinal) || !ldmName.Contains(".mid.attn_1.", StringComparison.Ordinal))
        {
            return false;
        }

        string leaf = ldmName[(ldmName.IndexOf(".attn_1.", StringComparison.Ordinal) + 8)..^7];
        return leaf is "q" or "k" or "v" or "proj_out";
    }

    /// <summary>The shape a tensor has in the diffusers layout, given its LDM name and shape.</summary>
    public static long[] ToDiffusersShape(string ldmName, long[] ldmShape)
    {
        ArgumentNullException.ThrowIfNull(ldmShape);
        return IsReshaped(ldmName) && ldmShape.Length == 4 && ldmShape[2] == 1 && ldmShape[3] == 1
            ? [ldmShape[0], ldmShape[1]]
            : ldmShape;
    }

    /// <summary>The shape a tensor has in the LDM layout, given its diffusers name and shape.</summary>
    public static long[] ToLdmShape(string diffusersName, long[] diffusersShape)
    {
        ArgumentNullException.ThrowIfNull(diffusersShape);
        return TryToLdm(diffusersName, out string? ldm) && IsReshaped(ldm) && diffusersShape.Length == 2
            ? [diffusersShape[0], diffusersShape[1], 1, 1]
            : diffusersShape;
    }

    private static string ModernizeVaeName(string name)
    {
        if (!name.StartsWith(VaeComponent, StringComparison.Ordinal) ||
            !name.Contains("mid_block.attentions.0.", StringComparison.Ordinal))
        {
            return name;
        }

        for (int i = 0; i < s_legacyVaeAttention.Length; i++)
        {
            string legacy = ".attentions.0." + s_legacyVaeAttention[i] + ".";
            if (name.Contains(legacy, StringComparison.Ordinal))
            {
                return name.Replace(legacy, ".attentions.0." + s_vaeAttention[i] + ".", StringComparison.Ordinal);
            }
        }

        return name;
    }

    private static (Dictionary<string, string>, Dictionary<string, string>) BuildTables()
    {
        var toDiff = new Dictionary<string, string>(StringComparer.Ordinal);
        var toLdm = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string ldm, _) in Sd15Layout.Enumerate(Sd15Config.Tiny))
        {
            string diff = Sd15DiffusersNaming.ToDiffusers(ldm);
            toDiff.Add(ldm, diff);
            toLdm.Add(diff, ldm); // throws on a collision: the map must stay a bijection
        }

        return (toDiff, toLdm);
    }
}
