namespace OnnxDiffusion.Graph;

/// <summary>Operator-set domain names, spelled as ONNX and ONNX Runtime spell them.</summary>
public static class OnnxDomains
{
    /// <summary>The default <c>ai.onnx</c> domain (written as the empty string).</summary>
    public const string Onnx = "";

    /// <summary>ONNX Runtime contrib operators (<c>MultiHeadAttention</c>, <c>MatMulNBits</c>, ...).</summary>
    public const string Microsoft = "com.microsoft";

    /// <summary>Operator-set version imported for <see cref="Microsoft"/> (ORT 1.31.1 accepts only 1).</summary>
    public const int MicrosoftOpset = 1;
}
