namespace OnnxDiffusion.Nodes.Paths;

/// <summary>
/// Python's <c>posixpath.normpath</c>, <c>dirname</c> and <c>basename</c> (ComfyUI parses prefixes with them).
/// </summary>
internal static class PythonPath
{
    /// <summary><c>os.path.normpath</c>: collapses <c>//</c>, <c>.</c> and <c>..</c> lexically.</summary>
    public static string NormPath(string path)
    {
        if (path.Length == 0)
        {
            return ".";
        }

        int slashes = 0;
        while (slashes < path.Length && path[slashes] == '/')
        {
            slashes++;
        }

        string initial = slashes == 0 ? "" : slashes == 2 ? "//" : "/";
        var parts = new List<string>();
        foreach (string part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part != ".." || (initial.Length == 0 && parts.Count == 0) || (parts.Count > 0 && parts[^1] == ".."))
            {
                parts.Add(part);
            }
            else if (parts.Count > 0)
            {
                parts.RemoveAt(parts.Count - 1);
            }
        }

        string result = initial + string.Join('/', parts);
        return result.Length == 0 ? "." : result;
    }

    /// <summary><c>os.path.dirname</c>.</summary>
    public static string DirName(string path)
    {
        int i = path.LastIndexOf('/') + 1;
        string head = path[..i];
        return head.Length > 0 && head.Any(c => c != '/') ? head.TrimEnd('/') : head;
    }

    /// <summary><c>os.path.basename</c>.</summary>
    public static string BaseName(string path) => path[(path.LastIndexOf('/') + 1)..];
}
