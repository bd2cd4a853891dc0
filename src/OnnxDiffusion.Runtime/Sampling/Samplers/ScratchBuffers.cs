using System.Buffers;

namespace OnnxDiffusion.Runtime.Sampling.Samplers;

/// <summary>
/// Latent-sized float buffers rented once per sampler run from <see cref="ArrayPool{T}.Shared"/> and returned on
/// dispose, so the step loop allocates nothing. Contents start undefined.
/// </summary>
internal sealed class ScratchBuffers : IDisposable
{
    private readonly float[][] _arrays;
    private readonly int _length;

    public ScratchBuffers(int length, int count)
    {
        _length = length;
        _arrays = new float[count][];
        for (int i = 0; i < count; i++)
        {
            _arrays[i] = ArrayPool<float>.Shared.Rent(length);
        }
    }

    /// <summary>Buffer <paramref name="index"/>, exactly the latent length.</summary>
    public Span<float> this[int index] => _arrays[index].AsSpan(0, _length);

    public void Dispose()
    {
        foreach (float[] array in _arrays)
        {
            ArrayPool<float>.Shared.Return(array);
        }
    }
}
