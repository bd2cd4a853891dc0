using System.Reflection;
using System.Runtime.InteropServices;

namespace OnnxDiffusion.Core.Interop;

/// <summary>
/// The one <see cref="NativeLibrary.SetDllImportResolver"/> of this assembly: maps the logical library names used in
/// <c>[LibraryImport]</c> declarations (e.g. <c>"zfp"</c>) to the file names to try on this platform (e.g.
/// <c>libzfp.so.1</c>, the Debian soname; the unversioned <c>libzfp.so</c> only exists with the -dev package).
/// A .NET assembly can have only one resolver, so every native dependency of Core registers here. Thread-safe.
/// </summary>
internal static class NativeLibraryMap
{
    private static readonly Lock s_lock = new();
    private static readonly Dictionary<string, string[]> s_candidates = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, nint> s_handles = new(StringComparer.Ordinal);
    private static bool s_installed;

    /// <summary>Registers the file names tried for <paramref name="name"/>, in order. Idempotent.</summary>
    internal static void Register(string name, IReadOnlyList<string> candidates)
    {
        lock (s_lock)
        {
            s_candidates[name] = [.. candidates];
            if (!s_installed)
            {
                NativeLibrary.SetDllImportResolver(typeof(NativeLibraryMap).Assembly, Resolve);
                s_installed = true;
            }
        }
    }

    /// <summary>
    /// Loads the first loadable candidate of <paramref name="name"/> (cached). Returns false with the list of
    /// attempts in <paramref name="tried"/> when none loads.
    /// </summary>
    internal static bool TryLoad(string name, out nint handle, out string tried)
    {
        lock (s_lock)
        {
            if (s_handles.TryGetValue(name, out handle))
            {
                tried = "";
                return true;
            }

            string[] candidates = s_candidates.TryGetValue(name, out string[]? c) ? c : [name];
            foreach (string candidate in candidates)
            {
                if (NativeLibrary.TryLoad(candidate, out handle))
                {
                    s_handles[name] = handle;
                    tried = candidate;
                    return true;
                }
            }

            handle = 0;
            tried = string.Join(", ", candidates);
            return false;
        }
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        bool known;
        lock (s_lock)
        {
            known = s_candidates.ContainsKey(libraryName);
        }

        // Zero lets the runtime fall back to its default probing (and raise DllNotFoundException).
        return known && TryLoad(libraryName, out nint handle, out _) ? handle : 0;
    }
}
