using System.Security.Cryptography;

namespace OnnxDiffusion.Nodes.Paths;

/// <summary>ComfyUI's <c>IS_CHANGED</c> for file loaders: sha256 of the file ("missing" when absent).</summary>
public static class FileFingerprint
{
    /// <summary>Lower-case hex sha256 of the file's bytes, or <c>missing:&lt;path&gt;</c>.</summary>
    public static string Sha256(string path)
    {
        if (!File.Exists(path))
        {
            return "missing:" + path;
        }

        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
