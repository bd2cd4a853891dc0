namespace OnnxDiffusion.Models.Configs;

/// <summary>
/// CLIP text transformer hyper-parameters (SD1.x uses OpenAI CLIP ViT-L/14's text tower). Detected from weight
/// shapes except <see cref="Heads"/>, which the family fixes (head size must divide <see cref="Width"/>).
/// </summary>
public sealed record ClipTextConfig
{
    /// <summary>Hidden size (768 for ViT-L/14). Must be divisible by <see cref="Heads"/>.</summary>
    public required int Width { get; init; }

    /// <summary>Number of transformer layers (12 for ViT-L/14).</summary>
    public required int Layers { get; init; }

    /// <summary>Attention heads (12 for ViT-L/14).</summary>
    public required int Heads { get; init; }

    /// <summary>MLP hidden size (4 × width = 3072 for ViT-L/14).</summary>
    public required int MlpWidth { get; init; }

    /// <summary>Vocabulary size (49408).</summary>
    public int VocabSize { get; init; } = 49408;

    /// <summary>Positions (77).</summary>
    public int MaxPositions { get; init; } = 77;

    /// <summary>Activation: <c>quick_gelu</c> (OpenAI CLIP) or <c>gelu</c> (OpenCLIP, SD2).</summary>
    public string Activation { get; init; } = "quick_gelu";

    /// <summary>LayerNorm epsilon (1e-5).</summary>
    public float LayerNormEpsilon { get; init; } = 1e-5f;

    /// <summary>Token id whose position gives the pooled output (the end-of-text token, 49407).</summary>
    public int EosTokenId { get; init; } = 49407;
}
