namespace OnnxDiffusion.Runtime.Rng;

/// <summary>
/// The 32-bit Mersenne Twister (Matsumoto and Nishimura 1998, MT19937) with the standard
/// <c>init_genrand</c> seeding, as <c>at::mt19937</c> in PyTorch (<c>ATen/core/MT19937RNGEngine.h</c>) uses it.
/// Not thread-safe.
/// </summary>
internal sealed class Mt19937
{
    private const int N = 624;
    private const int M = 397;
    private const uint MatrixA = 0x9908b0dfU;
    private const uint UpperMask = 0x80000000U;
    private const uint LowerMask = 0x7fffffffU;

    private readonly uint[] _state = new uint[N];
    private int _index;

    /// <summary>Seeds with the low 32 bits of <paramref name="seed"/> (torch ignores the high bits).</summary>
    public Mt19937(ulong seed)
    {
        _state[0] = (uint)seed;
        for (int i = 1; i < N; i++)
        {
            uint prev = _state[i - 1];
            _state[i] = unchecked((1812433253U * (prev ^ (prev >> 30))) + (uint)i);
        }

        _index = N;
    }

    /// <summary>Next tempered 32-bit output.</summary>
    public uint NextUInt32()
    {
        if (_index >= N)
        {
            Twist();
        }

        uint y = _state[_index++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680U;
        y ^= (y << 15) & 0xefc60000U;
        y ^= y >> 18;
        return y;
    }

    /// <summary>Next 64-bit value made of two draws, the first one in the high half (torch <c>random64</c>).</summary>
    public ulong NextUInt64()
    {
        ulong high = NextUInt32();
        ulong low = NextUInt32();
        return (high << 32) | low;
    }

    private void Twist()
    {
        for (int i = 0; i < N; i++)
        {
            uint y = (_state[i] & UpperMask) | (_state[(i + 1) % N] & LowerMask);
            uint next = _state[(i + M) % N] ^ (y >> 1);
            _state[i] = (y & 1) != 0 ? next ^ MatrixA : next;
        }

        _index = 0;
    }
}
