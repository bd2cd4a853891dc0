using System.Runtime.InteropServices;

namespace OnnxDiffusion.Runtime.Tokenizer;

/// <summary>
/// Unicode NFC through the system's ICU library (<c>libicuuc</c>, Debian package <c>libicu72</c>, which the .NET SDK
/// itself needs). The project runs with invariant globalization, where <see cref="string.Normalize()"/> returns its
/// input unchanged, so the tokenizer calls ICU's C API directly: <c>unorm2_getNFCInstance</c> and
/// <c>unorm2_normalize</c>, whose exported names carry the ICU major version as a suffix (<c>_72</c>) on most Linux
/// builds. When no ICU library can be found, <see cref="IsAvailable"/> is false and <see cref="ToNfc"/> returns
/// its input: only decomposed input (for example "e" + U+0301) can then tokenize differently from ComfyUI.
/// </summary>
internal static unsafe class IcuNormalizer
{
    private const int BufferOverflowError = 15;

    private static readonly Lazy<Api?> s_api = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>True when ICU was found and NFC is applied.</summary>
    public static bool IsAvailable => s_api.Value is not null;

    /// <summary>The NFC form of <paramref name="text"/>; the input itself when it is ASCII or ICU is missing.</summary>
    /// <exception cref="InvalidOperationException">ICU reported an error other than a short buffer.</exception>
    public static string ToNfc(string text)
    {
        if (System.Text.Ascii.IsValid(text) || s_api.Value is not Api api)
        {
            return text;
        }

        int capacity = text.Length * 2 + 16;
        while (true)
        {
            char[] buffer = new char[capacity];
            int error = 0;
            int length;
            fixed (char* src = text)
            fixed (char* dst = buffer)
            {
                length = api.Normalize(api.Nfc, src, text.Length, dst, capacity, &error);
            }

            if (error == BufferOverflowError)
            {
                capacity = length + 16;
                continue;
            }

            if (error > 0)
            {
                throw new InvalidOperationException($"ICU unorm2_normalize failed with error code {error}.");
            }

            return new string(buffer, 0, length);
        }
    }

    private static Api? Load()
    {
        foreach (int version in Versions())
        {
            string suffix = version == 0 ? "" : $"_{version}";
            string[] names = version == 0 ? ["libicuuc.so", "libicuuc.dylib", "icuuc.dll"] :
                [$"libicuuc.so.{version}", $"icuuc{version}.dll"];
            foreach (string name in names)
            {
                if (!NativeLibrary.TryLoad(name, out nint handle))
                {
                    continue;
                }

                Api? api = TryBind(handle, suffix) ?? TryBind(handle, "");
                if (api is not null)
                {
                    return api;
                }
            }
        }

        return null;
    }

    private static Api? TryBind(nint handle, string suffix)
    {
        if (!NativeLibrary.TryGetExport(handle, "unorm2_getNFCInstance" + suffix, out nint getNfc)
            || !NativeLibrary.TryGetExport(handle, "unorm2_normalize" + suffix, out nint normalize))
        {
            return null;
        }

        int error = 0;
        nint nfc = ((delegate* unmanaged<int*, nint>)getNfc)(&error);
        var call = (delegate* unmanaged<nint, char*, int, char*, int, int*, int>)normalize;
        return error > 0 || nfc == 0 ? null : new Api(nfc, call);
    }

    // ICU majors from newest to oldest, then the unversioned development names.
    private static IEnumerable<int> Versions()
    {
        for (int v = 90; v >= 50; v--)
        {
            yield return v;
        }

        yield return 0;
    }

    private sealed class Api(nint nfc, delegate* unmanaged<nint, char*, int, char*, int, int*, int> normalize)
    {
        public nint Nfc { get; } = nfc;

        public delegate* unmanaged<nint, char*, int, char*, int, int*, int> Normalize { get; } = normalize;
    }
}
