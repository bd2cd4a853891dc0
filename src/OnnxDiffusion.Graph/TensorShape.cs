using System.Collections;
using System.Runtime.CompilerServices;

namespace OnnxDiffusion.Graph;

/// <summary>
/// An immutable shape of known rank whose dims may be fixed, named or unknown. Supports collection expressions:
/// <c>TensorShape s = ["batch", 4, "height", "width"];</c>.
/// </summary>
[CollectionBuilder(typeof(TensorShape), nameof(Create))]
public sealed class TensorShape : IReadOnlyList<Dim>, IEquatable<TensorShape>
{
    private readonly Dim[] _dims;

    /// <summary>Creates a shape from its dims, outermost first (empty for a scalar).</summary>
    public TensorShape(params ReadOnlySpan<Dim> dims)
    {
        _dims = dims.ToArray();
    }

    /// <summary>The scalar shape <c>[]</c>.</summary>
    public static TensorShape Scalar { get; } = new();

    /// <summary>Number of dimensions.</summary>
    public int Rank => _dims.Length;

    /// <inheritdoc />
    public int Count => _dims.Length;

    /// <summary>True when every dim is a fixed number.</summary>
    public bool IsStatic => Array.TrueForAll(_dims, d => d.IsStatic);

    /// <summary>The dim at <paramref name="index"/>; negative indexes count from the end (-1 is the last).</summary>
    public Dim this[int index] => _dims[index < 0 ? index + _dims.Length : index];

    /// <summary>Collection-expression factory.</summary>
    public static TensorShape Create(ReadOnlySpan<Dim> dims) => new(dims);

    /// <summary>A fully static shape.</summary>
    public static TensorShape FromLongs(ReadOnlySpan<long> dims)
    {
        var result = new Dim[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            result[i] = Dim.Of(dims[i]);
        }

        return new TensorShape(result);
    }

    /// <summary>The dims as numbers.</summary>
    /// <exception cref="InvalidOperationException">Unless <see cref="IsStatic"/>.</exception>
    public long[] ToLongs()
    {
        var result = new long[_dims.Length];
        for (int i = 0; i < _dims.Length; i++)
        {
            result[i] = _dims[i].Value;
        }

        return result;
    }

    /// <summary>Number of elements, or null when any dim is not static.</summary>
    public long? ElementCount
    {
        get
        {
            long n = 1;
            foreach (Dim d in _dims)
            {
                if (!d.IsStatic)
                {
                    return null;
                }

                n = checked(n * d.Value);
            }

            return n;
        }
    }

    /// <summary>A copy of the dims.</summary>
    public Dim[] ToArray() => (Dim[])_dims.Clone();

    /// <summary>Normalises a possibly negative axis against <see cref="Rank"/>; null when out of range.</summary>
    public int? NormalizeAxis(long axis)
    {
        long a = axis < 0 ? axis + Rank : axis;
        return a >= 0 && a < Rank ? (int)a : null;
    }

    /// <inheritdoc />
    public IEnumerator<Dim> GetEnumerator() => ((IEnumerable<Dim>)_dims).GetEnumerator();

    /// <inheritdoc />
    IEnumerator IEnumerable.GetEnumerator() => _dims.GetEnumerator();

    /// <summary>Structural equality of every dim (unknown equals unknown).</summary>
    public bool Equals(TensorShape? other) => other is not null && _dims.AsSpan().SequenceEqual(other._dims);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as TensorShape);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (Dim d in _dims)
        {
            hash.Add(d);
        }

        return hash.ToHashCode();
    }

    /// <summary><c>[batch, 4, 64, 64]</c>.</summary>
    public override string ToString() => "[" + string.Join(", ", _dims) + "]";
}
