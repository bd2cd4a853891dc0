using System.Globalization;

namespace OnnxDiffusion.Nodes.Execution;

/// <summary>
/// Input values of one node call, by input name: validated literals (INT as <see cref="Int128"/>, FLOAT as
/// <see cref="double"/>, STRING, BOOLEAN, COMBO as string), values from links, and defaults of absent optional
/// widgets. Accessors throw <see cref="InvalidOperationException"/> on a missing input or wrong type: that is a
/// node bug, since validation already guaranteed the declared inputs.
/// </summary>
public sealed class NodeInputs
{
    private readonly Dictionary<string, object?> _values;

    /// <summary>Wraps <paramref name="values"/> (copied).</summary>
    public NodeInputs(IReadOnlyDictionary<string, object?> values)
    {
        _values = new Dictionary<string, object?>(values, StringComparer.Ordinal);
    }

    /// <summary>Input names present.</summary>
    public IEnumerable<string> Names => _values.Keys;

    /// <summary>True when <paramref name="name"/> has a value (possibly null).</summary>
    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>The raw value.</summary>
    public object? this[string name] => _values.TryGetValue(name, out object? v)
        ? v
        : throw new InvalidOperationException($"Input '{name}' was not provided to the node.");

    /// <summary>The value as <typeparamref name="T"/>.</summary>
    public T Get<T>(string name) => this[name] is T t
        ? t
        : throw new InvalidOperationException(
            $"Input '{name}' is {this[name]?.GetType().Name ?? "null"}, expected {typeof(T).Name}.");

    /// <summary>The value as <typeparamref name="T"/>, or default when absent.</summary>
    public T? GetOrDefault<T>(string name) => _values.TryGetValue(name, out object? v) && v is T t ? t : default;

    /// <summary>An INT input as <see cref="int"/> (checked).</summary>
    public int GetInt(string name) => checked((int)GetInt128(name));

    /// <summary>An INT input as <see cref="long"/> (checked).</summary>
    public long GetInt64(string name) => checked((long)GetInt128(name));

    /// <summary>An INT input as <see cref="ulong"/> (checked; seeds).</summary>
    public ulong GetUInt64(string name) => checked((ulong)GetInt128(name));

    /// <summary>A FLOAT input.</summary>
    public double GetDouble(string name) => this[name] switch
    {
        double d => d,
        float f => f,
        Int128 i => (double)i,
        IConvertible c => c.ToDouble(CultureInfo.InvariantCulture),
        var other => throw new InvalidOperationException($"Input '{name}' is {other?.GetType().Name}, not FLOAT."),
    };

    /// <summary>A STRING or COMBO input.</summary>
    public string GetString(string name) => Get<string>(name);

    /// <summary>A BOOLEAN input.</summary>
    public bool GetBool(string name) => Get<bool>(name);

    private Int128 GetInt128(string name) => this[name] switch
    {
        Int128 i => i,
        int i => i,
        long l => l,
        ulong u => u,
        var other => throw new InvalidOperationException($"Input '{name}' is {other?.GetType().Name}, not INT."),
    };
}
