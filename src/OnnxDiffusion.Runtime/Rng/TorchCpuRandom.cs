namespace OnnxDiffusion.Runtime.Rng;

/// <summary>
/// Reproduces <c>torch.randn</c> on torch's CPU generator after <c>torch.manual_seed(seed)</c> (the noise ComfyUI's
/// <c>prepare_noise</c> draws). Facts from PyTorch's <c>normal_kernel</c>/<c>normal_fill</c>
/// (<c>aten/src/ATen/native/cpu/DistributionTemplates.h</c>), as stable-diffusion.cpp's <c>rng_mt19937.hpp</c>
/// also reproduces them:
/// <list type="bullet">
/// <item>16 or more values: all uniforms are drawn first, <c>u = (uint32 &amp; 0xFFFFFF)·2⁻²⁴</c>; then each
/// 16-value block is Box–Muller transformed pairing j with j+8 (cos to j, sin to j+8, float32 math); when the
/// count is not a multiple of 16, 16 fresh uniforms overwrite and re-transform the last 16 values.</item>
/// <item>Fewer than 16 values: the double-precision scalar path, one Box–Muller pair per two values from 53-bit
/// uniforms, with the second value of a pair cached in the generator for the next draw.</item>
/// </list>
/// PyTorch on AVX2 CPUs uses vectorised log/sincos that can differ from libm by a few ULP, so agreement with a
/// particular torch build is to float rounding (about 1e-6 relative), not guaranteed bit for bit. Not thread-safe.
/// </summary>
public sealed class TorchCpuRandom : IRandomSource
{
    private const int BlockSize = 16;
    private const float TwoPiF = 6.2831855f; // (float)(2π), the constant of torch's AVX2 path and sd.cpp
    private const float Uniform24 = 1.0f / 16777216.0f;
    private const double Uniform53 = 1.0 / 9007199254740992.0;

    private readonly Mt19937 _engine;
    private double _cachedNormal;
    private bool _hasCachedNormal;

    /// <summary>Creates the generator as <c>torch.manual_seed(seed)</c> does: only the low 32 bits are used.</summary>
    public TorchCpuRandom(ulong seed)
    {
        _engine = new Mt19937(seed);
    }

    /// <inheritdoc />
    public RngKind Kind => RngKind.TorchCpu;

    /// <inheritdoc />
    public void FillNormal(Span<float> destination)
    {
        if (destination.Length >= BlockSize)
        {
            FillBlocks(destination);
        }
        else
        {
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = (float)NextDoubleNormal();
            }
        }
    }

    /// <summary>Next raw 32-bit engine output (for tests against published MT19937 outputs).</summary>
    internal uint NextUInt32() => _engine.NextUInt32();

    private void FillBlocks(Span<float> data)
    {
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = NextUniformFloat();
        }

        int full = data.Length - (data.Length % BlockSize);
        for (int i = 0; i < full; i += BlockSize)
        {
            BoxMuller16(data.Slice(i, BlockSize));
        }

        if (full != data.Length)
        {
            Span<float> tail = data[^BlockSize..];
            for (int i = 0; i < BlockSize; i++)
            {
                tail[i] = NextUniformFloat();
            }

            BoxMuller16(tail);
        }
    }

    private static void BoxMuller16(Span<float> block)
    {
        for (int j = 0; j < BlockSize / 2; j++)
        {
            float u1 = 1.0f - block[j];
            float u2 = block[j + (BlockSize / 2)];
            float radius = MathF.Sqrt(-2.0f * MathF.Log(u1));
            float theta = TwoPiF * u2;
            block[j] = radius * MathF.Cos(theta);
            block[j + (BlockSize / 2)] = radius * MathF.Sin(theta);
        }
    }

    private float NextUniformFloat() => (_engine.NextUInt32() & 0xFFFFFFu) * Uniform24;

    private double NextDoubleNormal()
    {
        if (_hasCachedNormal)
        {
            _hasCachedNormal = false;
            return _cachedNormal;
        }

        double u1 = (_engine.NextUInt64() & ((1UL << 53) - 1)) * Uniform53;
        double u2 = (_engine.NextUInt64() & ((1UL << 53) - 1)) * Uniform53;
        // 1 - u2 is exact for 53-bit uniforms, so Log(1 - u2) equals torch's log1p(-u2).
        double radius = Math.Sqrt(-2.0 * Math.Log(1.0 - u2));
        double theta = 2.0 * Math.PI * u1;
        _cachedNormal = radius * Math.Sin(theta);
        _hasCachedNormal = true;
        return radius * Math.Cos(theta);
    }
}
