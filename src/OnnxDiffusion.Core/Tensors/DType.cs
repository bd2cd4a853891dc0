namespace OnnxDiffusion.Core.Tensors;

/// <summary>Element types of weight files (the safetensors set; .ckpt storages map onto it).</summary>
public enum DType
{
    /// <summary>IEEE binary64.</summary>
    F64,

    /// <summary>IEEE binary32.</summary>
    F32,

    /// <summary>IEEE binary16.</summary>
    F16,

    /// <summary>bfloat16 (upper half of binary32).</summary>
    BF16,

    /// <summary>Signed 64-bit integer.</summary>
    I64,

    /// <summary>Signed 32-bit integer.</summary>
    I32,

    /// <summary>Signed 16-bit integer.</summary>
    I16,

    /// <summary>Signed 8-bit integer.</summary>
    I8,

    /// <summary>Unsigned 8-bit integer.</summary>
    U8,

    /// <summary>Boolean stored as one byte (0 or 1).</summary>
    Bool,

    /// <summary>FP8 E4M3 (finite-only variant, as torch.float8_e4m3fn).</summary>
    F8E4M3,

    /// <summary>FP8 E5M2.</summary>
    F8E5M2,
}
