using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace OnnxDiffusion.Core.Tests.Fuzz;

/// <summary>Seeded byte-level and structure-aware mutations shared by the format fuzzers.</summary>
internal static partial class Mutators
{
    /// <summary>Integers that break parsers: zero, ±1, sign and width boundaries.</summary>
    public static readonly ulong[] Interesting =
    [
        0, 1, 2, 7, 8, 63, 64, 255, 256, 0x7FFF, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x100000000,
        0x7FFFFFFFFFFFFFFF, 0x8000000000000000, 0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFE, 1UL << 40, 100_000_001,
    ];

    /// <summary>Number texts for JSON/dict headers: negative, fractional, huge, overflowing.</summary>
    public static readonly string[] InterestingNumbers =
    [
        "-1", "0", "1", "1.5", "1e400", "9223372036854775807", "9223372036854775808", "18446744073709551615",
        "4611686018427387904", "4294967296", "2147483648", "99999999999999999999999", "3", "-0", "65536",
    ];

    /// <summary>A random generic mutation (truncate, flip, insert, delete, interesting integer, duplicate).</summary>
    public static byte[] Generic(Random rng, byte[] valid)
    {
        byte[] b = (byte[])valid.Clone();
        switch (rng.Next(7))
        {
            case 0:
                return b[..rng.Next(b.Length)];
            case 1:
                for (int k = rng.Next(1, 9); k > 0; k--)
                {
                    b[rng.Next(b.Length)] = (byte)rng.Next(256);
                }

                return b;
            case 2:
                for (int k = rng.Next(1, 5); k > 0; k--)
                {
                    b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
                }

                return b;
            case 3:
                int at = rng.Next(b.Length + 1);
                byte[] insert = new byte[rng.Next(1, 17)];
                rng.NextBytes(insert);
                return [.. b[..at], .. insert, .. b[at..]];
            case 4:
                int from = rng.Next(b.Length);
                int to = Math.Min(b.Length, from + rng.Next(1, 33));
                return [.. b[..from], .. b[to..]];
            case 5:
                return WriteInteresting(rng, b, rng.Next(Math.Max(1, b.Length - 8)));
            default:
                int start = rng.Next(b.Length);
                int length = Math.Min(b.Length - start, rng.Next(1, 65));
                int where = rng.Next(b.Length);
                return [.. b[..where], .. b.AsSpan(start, length).ToArray(), .. b[where..]];
        }
    }

    /// <summary>Writes an interesting integer (u8/u16/u32/u64 little-endian) at <paramref name="offset"/>.</summary>
    public static byte[] WriteInteresting(Random rng, byte[] b, int offset)
    {
        ulong value = Interesting[rng.Next(Interesting.Length)];
        int width = 1 << rng.Next(4);
        if (offset + width > b.Length)
        {
            return b;
        }

        Span<byte> le = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(le, value);
        le[..width].CopyTo(b.AsSpan(offset));
        return b;
    }

    /// <summary>Replaces one number in <paramref name="text"/> with an interesting one.</summary>
    public static string MutateNumber(Random rng, string text)
    {
        MatchCollection numbers = NumberPattern().Matches(text);
        if (numbers.Count == 0)
        {
            return text;
        }

        Match m = numbers[rng.Next(numbers.Count)];
        return text[..m.Index] + InterestingNumbers[rng.Next(InterestingNumbers.Length)] + text[(m.Index + m.Length)..];
    }

    /// <summary>Replaces one quoted word in <paramref name="text"/> with another from the same text or a random
    /// one.</summary>
    public static string MutateWord(Random rng, string text, string[] vocabulary)
    {
        MatchCollection words = WordPattern().Matches(text);
        if (words.Count == 0)
        {
            return text;
        }

        Match m = words[rng.Next(words.Count)];
        string replacement = rng.Next(3) == 0 ? words[rng.Next(words.Count)].Value
            : vocabulary[rng.Next(vocabulary.Length)];
        return text[..m.Index] + replacement + text[(m.Index + m.Length)..];
    }

    public static byte[] Ascii(string s) => Encoding.UTF8.GetBytes(s);

    [GeneratedRegex("-?[0-9]+(\\.[0-9]+)?")]
    private static partial Regex NumberPattern();

    [GeneratedRegex("[A-Za-z_][A-Za-z0-9_.]*")]
    private static partial Regex WordPattern();
}
