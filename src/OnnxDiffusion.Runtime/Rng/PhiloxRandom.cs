namespace OnnxDiffusion.Runtime.Rng;

/// <summary>
/// Reproduces <c>torch.randn(n, device="cuda", generator=g)</c> after <c>g.manual_seed(seed)</c> on the CPU:
/// Philox4x32-10 (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3") keyed by the 64-bit seed, with
/// curand's Box–Muller. Element i of the k-th call (k = 0, 1, …) uses counter (k, 0, i, 0) and keeps the sine
/// output of the pair, as AUTOMATIC1111's <c>modules/rng_philox.py</c> and stable-diffusion.cpp's
/// <c>rng_philox.hpp</c> emulate it. This equals CUDA while torch launches one thread per element (true for latents
/// up to a few hundred thousand elements on current GPUs); real GPUs differ by up to about 5e-7 (hardware
/// log/sincos). Not thread-safe.
/// </summary>
public sealed class PhiloxRandom : IRandomSource
{
    private const uint M0 = 0xD2511F53U;
    private const uint M1 = 0xCD9E8D57U;
    private const uint W0 = 0x9E3779B9U;
    private const uint W1 = 0xBB67AE85U;
    private const float TwoPow32Inv = 2.3283064e-10f;
    private const float TwoPow32Inv2Pi = TwoPow32Inv * 6.2831855f;

    private readonly uint _key0;
    private readonly uint _key1;
    private uint _offset;

    /// <summary>Creates the generator with the whole 64-bit seed as key and offset 0.</summary>
    public PhiloxRandom(ulong seed)
    {
        _key0 = (uint)seed;
        _key1 = (uint)(seed >> 32);
    }

    /// <inheritdoc />
    public RngKind Kind => RngKind.Philox;

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException">More elements than the 32-bit counter word can index.</exception>
    public void FillNormal(Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            (uint x, uint y) = Block(_offset, (uint)i, _key0, _key1);
            destination[i] = BoxMullerSine(x, y);
        }

        _offset++;
    }

    /// <summary>First two output words of Philox4x32-10 for counter (c0, 0, c2, 0) and key (k0, k1).</summary>
    internal static (uint X, uint Y) Block(uint c0, uint c2, uint k0, uint k1)
    {
        uint c1 = 0;
        uint c3 = 0;
        for (int round = 0; round < 10; round++)
        {
            if (round > 0)
            {
                k0 = unchecked(k0 + W0);
                k1 = unchecked(k1 + W1);
            }

            ulong p0 = (ulong)c0 * M0;
            ulong p1 = (ulong)c2 * M1;
            c0 = (uint)(p1 >> 32) ^ c1 ^ k0;
            c1 = (uint)p1;
            c2 = (uint)(p0 >> 32) ^ c3 ^ k1;
            c3 = (uint)p0;
        }

        return (c0, c1);
    }

    private static float BoxMullerSine(uint x, uint y)
    {
        // curand converts the words to float before scaling; the half-step offsets keep u in (0, 1). log, sqrt
        // and sin are evaluated in double and rounded to float, which reproduces the reference streams bit for bit
        // (CUDA's float log/sincos differ from this by about 1 ULP).
        float u = ((float)x * TwoPow32Inv) + (TwoPow32Inv / 2);
        float v = ((float)y * TwoPow32Inv2Pi) + (TwoPow32Inv2Pi / 2);
        float s = (float)Math.Sqrt(-2.0 * Math.Log(u));
        return (float)(s * Math.Sin(v));
    }
}
