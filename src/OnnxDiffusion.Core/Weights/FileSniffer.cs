using System.Text;
using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Core.Weights;

/// <summary>Recognizes files that are not checkpoints (or the wrong kind) and says what they are.</summary>
internal static class FileSniffer
{
    private static readonly byte[] s_legacyTorchMagic =
        [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

    /// <summary>True for the local-file or end-of-directory signature of a zip archive.</summary>
    public static bool IsZip(ReadOnlySpan<byte> head) =>
        head.Length >= 4 && head[0] == (byte)'P' && head[1] == (byte)'K'
        && ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6));

    /// <summary>True for a Git LFS pointer text file.</summary>
    public static bool IsGitLfsPointer(ReadOnlySpan<byte> head) =>
        head.StartsWith("version https://git-lfs.github.com/spec/"u8);

    /// <summary>Throws a <see cref="ModelFormatException"/> when <paramref name="head"/> shows a known bad
    /// file.</summary>
    public static void ThrowIfKnownBad(string path, ReadOnlySpan<byte> head)
    {
        string? problem = Diagnose(path, head);
        if (problem is not null)
        {
            throw new ModelFormatException(problem);
        }
    }

    /// <summary>The message for a file no reader recognized.</summary>
    public static string Unrecognized(string path, ReadOnlySpan<byte> head)
    {
        if (head.Length == 0)
        {
            return $"{path} is a folder without diffusers weights: expected unet/diffusion_pytorch_model.safetensors, "
                + "text_encoder/model.safetensors or vae/diffusion_pytorch_model.safetensors (or .bin) inside it. "
                + "Point to a single-file checkpoint or a diffusers model folder.";
        }

        return $"{path} is not a recognized checkpoint (first bytes: "
            + $"{Convert.ToHexString(head[..Math.Min(16, head.Length)])}"
            + "). Supported: safetensors, PyTorch zip .ckpt/.pt/.pth/.bin, diffusers folders. Re-download the file "
            + "or convert it to safetensors.";
    }

    private static string? Diagnose(string path, ReadOnlySpan<byte> head)
    {
        if (head.Length == 0)
        {
            return $"{path} is empty (0 bytes): the download or copy did not finish. Download it again.";
        }

        if (IsGitLfsPointer(head))
        {
            return $"{path} is a Git LFS pointer file ({new FileInfo(path).Length} bytes of text), not the weights: "
                + "the repository was cloned without LFS content. Run `git lfs pull` in that repository, or download "
                + "the file itself (the 'download' link on the model page).";
        }

        if (head.StartsWith(s_legacyTorchMagic))
        {
            return $"{path} is a legacy (pre-1.6, non-zip) PyTorch file. It cannot be read safely. Convert it to "
                + "safetensors with a trusted Python environment, or re-save it with a current torch.save.";
        }

        if (head.Length >= 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5)
        {
            return $"{path} is a bare Python pickle (protocol {head[1]}), not a PyTorch zip checkpoint or safetensors. "
                + "Bare pickles cannot be loaded safely; convert it to safetensors.";
        }

        if (LooksLikeHtml(head))
        {
            return $"{path} is an HTML page, not a checkpoint: the download saved a login, error or redirect page. "
                + "Download the file again (logged in, with the direct file link).";
        }

        if (IsZip(head) && path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            return $"{path} is named .safetensors but is a PyTorch zip checkpoint (.ckpt). Rename it to .ckpt to load "
                + "it through the safe pickle reader, or convert it to real safetensors.";
        }

        return null;
    }

    private static bool LooksLikeHtml(ReadOnlySpan<byte> head)
    {
        string text = Encoding.ASCII.GetString(head).TrimStart().ToLowerInvariant();
        return text.StartsWith("<!doctype html", StringComparison.Ordinal)
            || text.StartsWith("<html", StringComparison.Ordinal);
    }
}
