namespace OnnxDiffusion.Models.Synthetic;

/// <summary>How one synthetic tensor is initialised.</summary>
public enum SyntheticInit
{
    /// <summary>Weights of Linear, Conv and embedding layers: N(0, 1/fan_in), fan_in = product of shape[1..].</summary>
    FanInNormal,

    /// <summary>Biases of Linear and Conv layers: N(0, <see cref="SyntheticCheckpoint.BiasStd"/>²).</summary>
    SmallNormal,

    /// <summary>GroupNorm / LayerNorm scale: all ones.</summary>
    Ones,

    /// <summary>GroupNorm / LayerNorm shift: all zeros.</summary>
    Zeros,

    /// <summary>CLIP position ids: 0, 1, …, n−1 (stored as I64).</summary>
    PositionIds,
}
