using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Serialization;
using OnnxDiffusion.TestSupport.Reference;

namespace OnnxDiffusion.Models.Tests.Support;

/// <summary>
/// Builds a small graph around one block, binds weights from a <see cref="RandomWeightBank"/>, and runs it on ORT
/// CPU with the same inputs the reference gets.
/// </summary>
internal sealed class GraphHarness
{
    private readonly Dictionary<string, (Array Data, long[] Shape)> _feeds = new(StringComparer.Ordinal);
    private readonly List<string> _outputs = [];

    /// <summary>The builder the block is written into.</summary>
    public GraphBuilder B { get; } = new();

    /// <summary>Declares a float32 input holding <paramref name="value"/> (fixed shape).</summary>
    public Value Input(string name, RefTensor value)
    {
        _feeds[name] = (value.ToFloat(), Array.ConvertAll(value.Shape, d => (long)d));
        Dim[] dims = Array.ConvertAll(value.Shape, d => (Dim)d);
        return B.Input(name, ElementType.Float, dims);
    }

    /// <summary>A float32 input with (dynamic) <paramref name="dims"/>, fed <paramref name="value"/>.</summary>
    public Value Input(string name, RefTensor value, params Dim[] dims)
    {
        _feeds[name] = (value.ToFloat(), Array.ConvertAll(value.Shape, d => (long)d));
        return B.Input(name, ElementType.Float, dims);
    }

    /// <summary>Declares an int64 <c>[B, T]</c> input holding <paramref name="ids"/>.</summary>
    public Value Ids(string name, long[][] ids)
    {
        long[] flat = ids.SelectMany(row => row).ToArray();
        _feeds[name] = (flat, [ids.Length, ids[0].Length]);
        return B.Input(name, ElementType.Int64, "batch", "sequence");
    }

    /// <summary>Marks <paramref name="value"/> as an output named <paramref name="name"/>.</summary>
    public void Output(Value value, string name)
    {
        B.Output(value, name);
        _outputs.Add(name);
    }

    /// <summary>Builds with weights from <paramref name="bank"/> and runs every output on ORT CPU.</summary>
    public Dictionary<string, (float[] Data, long[] Shape)> Run(RandomWeightBank bank) =>
        RunModel(B, bank, _feeds, [.. _outputs]);

    /// <summary>Builds <paramref name="builder"/> with <paramref name="bank"/> weights, runs it on ORT CPU.</summary>
    public static Dictionary<string, (float[] Data, long[] Shape)> RunModel(GraphBuilder builder,
        RandomWeightBank bank, IReadOnlyDictionary<string, (Array Data, long[] Shape)> feeds, params string[] outputs)
    {
        OnnxModel model = builder.Build(new BankInitializerSource(bank));
        return OrtCpu.Run(ModelWriter.ToBytes(model), feeds, outputs);
    }
}
