namespace OnnxDiffusion.Runtime.Rng;

/// <summary>
/// A seeded Gaussian noise generator that reproduces one reference generator's stream exactly (torch CPU
/// MT19937 or torch CUDA Philox). Each <see cref="FillNormal"/> call corresponds to one <c>torch.randn</c> call
/// of <c>destination.Length</c> elements, so callers must draw with the same sizes, in the same order, as the
/// reference program to get the same numbers. Instances are stateful and not thread-safe.
/// </summary>
public interface IRandomSource
{
    /// <summary>The generator kind this source emulates.</summary>
    RngKind Kind { get; }

    /// <summary>
    /// Fills <paramref name="destination"/> with standard normal float32 samples, exactly as one
    /// <c>torch.randn(destination.Length)</c> call on the emulated generator (memory order of the tensor).
    /// </summary>
    void FillNormal(Span<float> destination);
}
