using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Core.Weights;

/// <summary>
/// Opens any supported checkpoint by content, not by extension: a safetensors file, a PyTorch zip checkpoint
/// (<c>.ckpt</c>/<c>.pt</c>/<c>.pth</c>/<c>.bin</c>, read by the safe pickle reader) or a diffusers folder.
/// Known wrong files (Git LFS pointers, legacy non-zip torch files, bare pickles, HTML pages, zip checkpoints named
/// <c>.safetensors</c>) are refused with a message that says what the file is and what to do.
/// </summary>
public static class WeightFile
{
    /// <summary>Bytes read from the start of a file to recognize its format.</summary>
    public const int SniffLength = 64;

    /// <summary>Opens <paramref name="path"/> (a file or a diffusers folder). The caller disposes the result.</summary>
    /// <exception cref="InvalidInputException">The path does not exist.</exception>
    /// <exception cref="ModelFormatException">The file is malformed or of an unsupported kind.</exception>
    /// <exception cref="UnsafeCheckpointException">A pickle asks for a global outside the allowlist.</exception>
    public static IWeightSource Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] head = [];
        if (!Directory.Exists(path))
        {
            if (!File.Exists(path))
            {
                throw new InvalidInputException($"{path} does not exist. Check the path (and the model folder).");
            }

            head = ReadHead(path);
            FileSniffer.ThrowIfKnownBad(path, head);
        }

        foreach (IWeightReader reader in WeightFormats.All)
        {
            if (reader.CanRead(path, head))
            {
                return reader.Open(path);
            }
        }

        throw new ModelFormatException(FileSniffer.Unrecognized(path, head));
    }

    /// <summary>The first up to <see cref="SniffLength"/> bytes of <paramref name="path"/>.</summary>
    internal static byte[] ReadHead(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        var buffer = new byte[SniffLength];
        int total = stream.ReadAtLeast(buffer, SniffLength, throwOnEndOfStream: false);
        return buffer[..total];
    }
}
