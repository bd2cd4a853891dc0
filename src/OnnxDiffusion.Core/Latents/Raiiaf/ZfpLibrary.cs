using System.Runtime.InteropServices;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Interop;

namespace OnnxDiffusion.Core.Latents.Raiiaf;

/// <summary>
/// Locates and checks the zfp reference library: maps <see cref="ZfpNative.Library"/> to the platform file names,
/// loads it once and verifies it is zfp 1.x with codec 5 (the stream format zfpy writes). A missing or wrong library
/// becomes a <see cref="MissingDependencyException"/> that names the Debian package and the install command.
/// </summary>
internal static class ZfpLibrary
{
    /// <summary>Debian/Ubuntu package providing <c>libzfp.so.1</c>.</summary>
    internal const string DebianPackage = "libzfp1";

    /// <summary>zfp stream codec version that zfp 0.5.x and 1.x write (the byte after "zfp" in a stream).</summary>
    internal const uint CodecVersion = 5;

    private static readonly Lazy<string?> s_loadError = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>File names tried on this platform, in order (Debian soname first).</summary>
    internal static IReadOnlyList<string> Candidates { get; } =
        OperatingSystem.IsWindows() ? ["zfp.dll", "libzfp.dll"]
        : OperatingSystem.IsMacOS() ? ["libzfp.1.dylib", "libzfp.dylib"]
        : ["libzfp.so.1", "libzfp.so"];

    /// <summary>Loads the library once; throws <see cref="MissingDependencyException"/> when it is unusable.</summary>
    internal static void EnsureLoaded()
    {
        string? error = s_loadError.Value;
        if (error is not null)
        {
            throw Missing(Candidates, error);
        }
    }

    /// <summary>The error raised when none of <paramref name="tried"/> is a usable zfp 1.x library.</summary>
    internal static MissingDependencyException Missing(IReadOnlyList<string> tried, string detail)
    {
        string install = OperatingSystem.IsLinux()
            ? $"On Debian/Ubuntu install the package {DebianPackage}: `sudo apt-get install {DebianPackage}` " +
              "(or run scripts/install-deps.sh)."
            : $"Install the zfp 1.x library (the Debian package is {DebianPackage}) so that one of these loads.";
        return new MissingDependencyException(
            tried.Count > 0 ? tried[0] : "zfp", DebianPackage,
            $"Cannot use the zfp compression library needed for RAIIAF latent payloads: {detail} " +
            $"(tried {string.Join(", ", tried)}). {install}");
    }

    /// <summary>Tries <paramref name="candidates"/> directly, without registering; for the probe in tests.</summary>
    internal static string? Probe(IReadOnlyList<string> candidates)
    {
        foreach (string candidate in candidates)
        {
            if (NativeLibrary.TryLoad(candidate, out nint handle))
            {
                return CheckVersion(handle);
            }
        }

        return "no candidate library could be loaded";
    }

    private static string? Load()
    {
        NativeLibraryMap.Register(ZfpNative.Library, Candidates);
        return NativeLibraryMap.TryLoad(ZfpNative.Library, out nint handle, out _)
            ? CheckVersion(handle)
            : "the library is not installed";
    }

    private static unsafe string? CheckVersion(nint handle)
    {
        if (!NativeLibrary.TryGetExport(handle, "zfp_codec_version", out nint codec)
            || !NativeLibrary.TryGetExport(handle, "zfp_library_version", out nint library)
            || !NativeLibrary.TryGetExport(handle, "zfp_stream_maximum_size", out _))
        {
            return "the loaded file does not export the zfp API";
        }

        uint codecVersion = *(uint*)codec;
        uint libraryVersion = *(uint*)library;
        if (codecVersion != CodecVersion || libraryVersion < 0x1000)
        {
            return $"found zfp library version 0x{libraryVersion:x} with codec {codecVersion}, " +
                   $"but zfp 1.x (0x1000 or later) with codec {CodecVersion} is required";
        }

        return null;
    }
}
