using OnnxDiffusion.Graph.Initializers;

namespace OnnxDiffusion.Graph.Tests;

/// <summary>Builds a one-op graph over inputs in0..inN, runs it on ORT CPU and checks the inferred shape.</summary>
internal static class OpHarness
{
    public static TestTensor Run(Func<GraphBuilder, Value[], Value> op, params TestTensor[] inputs) =>
        RunMany((b, v) => [op(b, v)], inputs)[0];

    public static TestTensor[] RunMany(Func<GraphBuilder, Value[], Value[]> op, params TestTensor[] inputs)
    {
        var b = new GraphBuilder();
        var values = new Value[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            ElementType type = inputs[i].Data switch
            {
                float[] => ElementType.Float,
                long[] => ElementType.Int64,
                bool[] => ElementType.Bool,
                _ => throw new NotSupportedException(),
            };
            values[i] = b.Input($"in{i}", type, inputs[i].Shape.Select(d => (Dim)d).ToArray());
        }

        Value[] outputs = op(b, values);
        for (int i = 0; i < outputs.Length; i++)
        {
            b.Output(outputs[i], $"y{i}");
        }

        OnnxModel model = b.Build(new SeededRandomInitializerSource(7));
        Dictionary<string, TestTensor> results =
            OrtRunner.Run(model, inputs.Select((t, i) => ($"in{i}", t)).ToArray());
        var ordered = new TestTensor[outputs.Length];
        for (int i = 0; i < outputs.Length; i++)
        {
            ordered[i] = results[$"y{i}"];
            AssertInferredShape(outputs[i].Shape, ordered[i].Shape);
        }

        return ordered;
    }

    /// <summary>The builder's inferred shape must agree with ORT's wherever the builder claims a fixed dim.</summary>
    public static void AssertInferredShape(TensorShape inferred, long[] actual)
    {
        Assert.That(inferred.Rank, Is.EqualTo(actual.Length), $"rank of inferred {inferred} vs ORT");
        for (int i = 0; i < actual.Length; i++)
        {
            if (inferred[i].IsStatic)
            {
                Assert.That(inferred[i].Value, Is.EqualTo(actual[i]),
                    $"dim {i}: inferred {inferred} vs ORT [{string.Join(", ", actual)}]");
            }
        }
    }

    public static TestTensor F(int seed, params long[] shape) =>
        TestTensor.Of(TestData.Random(seed, (int)Naive.Count(shape)), shape);
}
