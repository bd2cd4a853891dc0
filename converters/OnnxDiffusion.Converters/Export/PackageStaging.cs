using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Converters.Export;

/// <summary>
/// A package being written: everything goes to a hidden staging folder beside the destination, and
/// <see cref="Commit"/> renames it into place in one step. Disposing without committing deletes the staging
/// folder, so a failed or interrupted conversion never leaves a package that looks complete.
/// </summary>
public sealed class PackageStaging : IDisposable
{
    private bool _committed;

    /// <summary>Creates the staging folder for <paramref name="destination"/>.</summary>
    /// <exception cref="InvalidInputException">The destination exists and is not empty, without <paramref name="overwrite"/>.</exception>
    public PackageStaging(string destination, bool overwrite)
    {
        Destination = Path.GetFullPath(destination);
        if (Directory.Exists(Destination) && Directory.EnumerateFileSystemEntries(Destination).Any() && !overwrite)
        {
            throw new InvalidInputException(
                $"Output folder {Destination} already exists and is not empty. Choose another -o or pass --force.");
        }

        if (File.Exists(Destination))
        {
            throw new InvalidInputException($"Output path {Destination} is a file; -o needs a folder.");
        }

        string parent = Path.GetDirectoryName(Destination) ?? ".";
        Directory.CreateDirectory(parent);
        Dir = Path.Combine(parent, $".{Path.GetFileName(Destination)}.partial-{Environment.ProcessId}");
        if (Directory.Exists(Dir))
        {
            Directory.Delete(Dir, recursive: true);
        }

        Directory.CreateDirectory(Dir);
    }

    /// <summary>Final package folder.</summary>
    public string Destination { get; }

    /// <summary>Staging folder to write into.</summary>
    public string Dir { get; }

    /// <summary>Moves the staged package into place (replacing an old one when overwriting was allowed).</summary>
    public void Commit()
    {
        if (Directory.Exists(Destination))
        {
            string old = Dir + ".old";
            Directory.Move(Destination, old);
            Directory.Move(Dir, Destination);
            Directory.Delete(old, recursive: true);
        }
        else
        {
            Directory.Move(Dir, Destination);
        }

        _committed = true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_committed && Directory.Exists(Dir))
        {
            try
            {
                Directory.Delete(Dir, recursive: true);
            }
            catch (IOException)
            {
                // Leave it: the name marks it as partial and the next run with this pid replaces it.
            }
        }
    }
}
