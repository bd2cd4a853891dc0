using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Core.Weights.Ckpt;

/// <summary>Reads PyTorch zip checkpoints (<c>.ckpt</c>, <c>.pt</c>, <c>.pth</c>, <c>.bin</c>) without executing them.</summary>
internal sealed class CkptReader : IWeightReader
{
    public static readonly CkptReader Instance = new();

    public string Format => "ckpt";

    public bool CanRead(string path, ReadOnlySpan<byte> head) => FileSniffer.IsZip(head);

    public IWeightSource Open(string path) =>
        throw new ModelFormatException($"{path}: PyTorch zip checkpoints are not readable yet; convert to safetensors.");
}
