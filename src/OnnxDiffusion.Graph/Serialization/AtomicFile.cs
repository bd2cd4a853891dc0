namespace OnnxDiffusion.Graph.Serialization;

/// <summary>Writes a file through a temporary sibling and a rename, so readers never see a half-written file.</summary>
internal static class AtomicFile
{
    /// <summary>The temp path used for <paramref name="path"/>.</summary>
    public static string TempPathFor(string path) => path + ".tmp";

    /// <summary>Runs <paramref name="write"/> on a fresh temp file, flushes it to disk and returns its path.</summary>
    public static string WriteTemp(string path, Action<Stream> write)
    {
        string temp = TempPathFor(path);
        try
        {
            using var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
            write(stream);
            stream.Flush(flushToDisk: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        return temp;
    }

    /// <summary>Moves a finished temp file into place, replacing any existing file.</summary>
    public static void Commit(string temp, string path) => File.Move(temp, path, overwrite: true);

    /// <summary>Writes <paramref name="path"/> atomically.</summary>
    public static void Write(string path, Action<Stream> write) => Commit(WriteTemp(path, write), path);
}
