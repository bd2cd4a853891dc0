using System.Globalization;

namespace OnnxDiffusion.Graph;

/// <summary>
/// One dimension of a symbolic shape: a fixed size (<c>320</c>), a named dynamic axis (<c>"batch"</c>) or unknown
/// (the builder could not infer it). Implicit conversions let shapes be written as <c>["batch", 4, 64, 64]</c>.
/// Immutable value type.
/// </summary>
public readonly struct Dim : IEquatable<Dim>
{
    private readonly long _value;
    private readonly string? _param;

    private Dim(long value, string? param)
    {
        _value = value;
        _param = param;
    }

    /// <summary>A dimension the builder could not infer (rank is still known).</summary>
    public static Dim Unknown => new(-1, null);

    /// <summary>True when the size is a known number.</summary>
    public bool IsStatic => _param is null && _value >= 0;

    /// <summary>True when the size is a named dynamic axis.</summary>
    public bool IsSymbolic => _param is not null;

    /// <summary>True when neither a number nor a name is known.</summary>
    public bool IsUnknown => _param is null && _value < 0;

    /// <summary>The fixed size.</summary>
    /// <exception cref="InvalidOperationException">When the dim is not <see cref="IsStatic"/>.</exception>
    public long Value => IsStatic ? _value : throw new InvalidOperationException($"Dimension {this} is not static.");

    /// <summary>The dynamic axis name, or null when the dimension is not symbolic.</summary>
    public string? Param => _param;

    /// <summary>A fixed dimension; <paramref name="value"/> must be ≥ 0.</summary>
    public static Dim Of(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        return new Dim(value, null);
    }

    /// <summary>A named dynamic axis (non-empty name).</summary>
    public static Dim Named(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new Dim(-1, name);
    }

    /// <summary>Converts a fixed size.</summary>
    public static implicit operator Dim(long value) => Of(value);

    /// <summary>Converts a fixed size.</summary>
    public static implicit operator Dim(int value) => Of(value);

    /// <summary>Converts a dynamic axis name.</summary>
    public static implicit operator Dim(string name) => Named(name);

    /// <summary>
    /// True when both are known to be the same size: equal numbers or the same axis name. Unknown dims are never
    /// known-equal (not even to themselves).
    /// </summary>
    public bool KnownEquals(Dim other) =>
        (IsStatic && other.IsStatic && _value == other._value) || (IsSymbolic && _param == other._param);

    /// <summary>True when both are fixed numbers that differ (a name may equal anything at run time).</summary>
    public bool KnownDiffers(Dim other) => IsStatic && other.IsStatic && _value != other._value;

    /// <summary>
    /// Structural equality (unknown equals unknown here; use <see cref="KnownEquals"/> for inference).
    /// </summary>
    public bool Equals(Dim other) => _value == other._value && _param == other._param;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Dim d && Equals(d);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_value, _param);

    /// <summary>Structural equality.</summary>
    public static bool operator ==(Dim left, Dim right) => left.Equals(right);

    /// <summary>Structural inequality.</summary>
    public static bool operator !=(Dim left, Dim right) => !left.Equals(right);

    /// <summary><c>320</c>, <c>batch</c> or <c>?</c>.</summary>
    public override string ToString() =>
        _param ?? (_value >= 0 ? _value.ToString(CultureInfo.InvariantCulture) : "?");
}
