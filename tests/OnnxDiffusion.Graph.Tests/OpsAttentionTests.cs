using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Graph.Tests;

[Category("Integration")]
public sealed class OpsAttentionTests
{
    private const int Batch = 2, Heads = 3, HeadSize = 4;

    [TestCase(5, 5, false)]
    [TestCase(5, 7, false)]
    [TestCase(6, 6, true)]
    public void Attention23_ThreeDimensional_MatchesNaive(int s, int l, bool causal)
    {
        TestTensor q = OpHarness.F(1, Batch, s, Heads * HeadSize);
        TestTensor k = OpHarness.F(2, Batch, l, Heads * HeadSize);
        TestTensor v = OpHarness.F(3, Batch, l, Heads * HeadSize);
        TestTensor result = OpHarness.Run(
            (b, x) => b.Attention(x[0], x[1], x[2], AttentionOptions.Heads(Heads, causal)), q, k, v);
        float[] expected = Naive.Attention(q.Floats, k.Floats, v.Floats, Batch, s, l, Heads, HeadSize, HeadSize,
            causal);
        Assert.That(result.Shape, Is.EqualTo(new long[] { Batch, s, Heads * HeadSize }));
        TestData.AssertClose(result.Floats, expected, atol: 1e-5);
    }

    [Test]
    public void Attention23_FourDimensionalWithScale_MatchesNaive()
    {
        const int S = 5;
        TestTensor q = OpHarness.F(4, Batch, S, Heads, HeadSize);
        TestTensor k = OpHarness.F(5, Batch, S, Heads, HeadSize);
        TestTensor v = OpHarness.F(6, Batch, S, Heads, HeadSize);
        TestTensor result = OpHarness.Run((b, x) =>
        {
            Value[] bhsd = x.Select(t => b.Transpose(t, 0, 2, 1, 3)).ToArray();
            Value y = b.Attention(bhsd[0], bhsd[1], bhsd[2], new AttentionOptions { Scale = 0.3f });
            return b.Transpose(y, 0, 2, 1, 3);
        }, q, k, v);
        float[] expected = Naive.Attention(q.Floats, k.Floats, v.Floats, Batch, S, S, Heads, HeadSize, HeadSize,
            scale: 0.3);
        TestData.AssertClose(result.Floats, expected, atol: 1e-5);
    }

    [TestCase(5, 5)]
    [TestCase(4, 7)]
    public void MultiHeadAttention_MatchesNaive(int s, int l)
    {
        TestTensor q = OpHarness.F(7, Batch, s, Heads * HeadSize);
        TestTensor k = OpHarness.F(8, Batch, l, Heads * HeadSize);
        TestTensor v = OpHarness.F(9, Batch, l, Heads * HeadSize);
        TestTensor result = OpHarness.Run((b, x) => b.MultiHeadAttention(x[0], x[1], x[2], Heads), q, k, v);
        float[] expected = Naive.Attention(q.Floats, k.Floats, v.Floats, Batch, s, l, Heads, HeadSize, HeadSize);
        TestData.AssertClose(result.Floats, expected, atol: 1e-5);
    }

    [Test]
    public void Attention_HiddenNotDivisibleByHeads_Throws()
    {
        var b = new GraphBuilder();
        Value q = b.Input("q", ElementType.Float, 1, 4, 10);
        Assert.That(() => b.Attention(q, q, q, AttentionOptions.Heads(3)),
            Throws.InstanceOf<Core.Errors.GraphBuildException>().With.Message.Contains("q_num_heads 3"));
        Assert.That(() => b.MultiHeadAttention(q, q, q, 4),
            Throws.InstanceOf<Core.Errors.GraphBuildException>().With.Message.Contains("num_heads 4"));
    }
}
