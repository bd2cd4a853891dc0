namespace OnnxDiffusion.Runtime.Rng;

/// <summary>Creates <see cref="IRandomSource"/> instances by kind.</summary>
public static class RandomSources
{
    /// <summary>A fresh generator of <paramref name="kind"/> seeded with <paramref name="seed"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown <paramref name="kind"/>.</exception>
    public static IRandomSource Create(RngKind kind, ulong seed) => kind switch
    {
        RngKind.TorchCpu => new TorchCpuRandom(seed),
        RngKind.Philox => new PhiloxRandom(seed),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Use RngKind.TorchCpu or RngKind.Philox."),
    };
}
