namespace OnnxDiffusion.Core.Errors;

/// <summary>
/// A native library the requested feature needs is not installed (for example the zfp library behind RAIIAF
/// latent payloads). The message names the library, the operating-system package that provides it and the
/// command that installs it. Exit code 4 (environment).
/// </summary>
public sealed class MissingDependencyException : OnnxDiffusionException
{
    /// <summary>Creates the error for <paramref name="library"/> provided by <paramref name="package"/>.</summary>
    public MissingDependencyException(string library, string package, string message, Exception? inner = null)
        : base("missing_dependency", message, inner)
    {
        Library = library;
        Package = package;
    }

    /// <summary>The library file that could not be loaded, e.g. <c>libzfp.so.1</c>.</summary>
    public string Library { get; }

    /// <summary>The package that provides it, e.g. the Debian package <c>libzfp1</c>.</summary>
    public string Package { get; }

    /// <inheritdoc />
    public override int ExitCode => 4;
}
