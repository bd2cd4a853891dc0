using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Graph.Tests;

[Category("Integration")]
public sealed class OpsShapeTests
{
    [Test]
    public void Reshape_ZeroAndMinusOne_KeepsDataOrder()
    {
        TestTensor x = OpHarness.F(1, 2, 3, 4);
        TestTensor result = OpHarness.Run((b, v) => b.Reshape(v[0], 0, -1, 2), x);
        Assert.That(result.Shape, Is.EqualTo(new long[] { 2, 6, 2 }));
        Assert.That(result.Floats, Is.EqualTo(x.Floats));
    }

    [Test]
    public void Transpose_Perm_MatchesNaive()
    {
        TestTensor x = OpHarness.F(2, 2, 3, 4);
        TestTensor result = OpHarness.Run((b, v) => b.Transpose(v[0], 2, 0, 1), x);
        float[] expected = Naive.Transpose(x.Floats, x.Shape, [2, 0, 1], out long[] shape);
        Assert.That(result.Shape, Is.EqualTo(shape));
        Assert.That(result.Floats, Is.EqualTo(expected));
    }

    [Test]
    public void ConcatAndSplit_RoundTrip()
    {
        TestTensor a = OpHarness.F(3, 2, 3);
        TestTensor c = OpHarness.F(4, 2, 5);
        TestTensor[] results = OpHarness.RunMany((b, v) =>
        {
            Value joined = b.Concat(1, v[0], v[1]);
            return [joined, .. b.Split(joined, 1, 3, 5)];
        }, a, c);
        Assert.That(results[0].Shape, Is.EqualTo(new long[] { 2, 8 }));
        float[] expected = Enumerable.Range(0, 16)
            .Select(i => i % 8 < 3 ? a.Floats[(i / 8 * 3) + (i % 8)] : c.Floats[(i / 8 * 5) + (i % 8) - 3]).ToArray();
        Assert.That(results[0].Floats, Is.EqualTo(expected));
        Assert.That(results[1].Floats, Is.EqualTo(a.Floats));
        Assert.That(results[2].Floats, Is.EqualTo(c.Floats));
    }

    [Test]
    public void Slice_NegativeStepAndClampedEnd_MatchesNaive()
    {
        TestTensor x = TestTensor.Of(Enumerable.Range(0, 20).Select(i => (float)i).ToArray(), 4, 5);
        TestTensor[] results = OpHarness.RunMany((b, v) =>
        [
            b.Slice(v[0], [1], [long.MaxValue], [1]),
            b.Slice(v[0], [-1, 4], [0, 0], [0, 1], [-2, -3]),
        ], x);
        Assert.That(results[0].Shape, Is.EqualTo(new long[] { 4, 4 }));
        Assert.That(results[0].Floats,
            Is.EqualTo(Enumerable.Range(0, 20).Where(i => i % 5 != 0).Select(i => (float)i)));
        Assert.That(results[1].Shape, Is.EqualTo(new long[] { 2, 2 }));
        Assert.That(results[1].Floats, Is.EqualTo(new float[] { 19, 16, 9, 6 }));
    }

    [Test]
    public void Gather_TwoDimIndicesOnAxis1_MatchesNaive()
    {
        TestTensor x = OpHarness.F(5, 3, 4);
        TestTensor idx = TestTensor.Of([3L, 0, -1, 1], 2, 2);
        TestTensor result = OpHarness.Run((b, v) => b.Gather(v[0], v[1], 1), x, idx);
        Assert.That(result.Shape, Is.EqualTo(new long[] { 3, 2, 2 }));
        long[] cols = [3, 0, 3, 1];
        float[] expected = Enumerable.Range(0, 12).Select(i => x.Floats[(i / 4 * 4) + cols[i % 4]]).ToArray();
        Assert.That(result.Floats, Is.EqualTo(expected));
    }

    [Test]
    public void UnsqueezeSqueezeShapeExpand_Shapes()
    {
        TestTensor x = OpHarness.F(6, 3, 1, 2);
        TestTensor[] results = OpHarness.RunMany((b, v) =>
        [
            b.Unsqueeze(v[0], 0, -1),
            b.Squeeze(v[0], 1),
            b.Shape(v[0]),
            b.Expand(v[0], 2, 3, 4, 2),
            b.Shape(v[0], 1),
        ], x);
        Assert.That(results[0].Shape, Is.EqualTo(new long[] { 1, 3, 1, 2, 1 }));
        Assert.That(results[1].Shape, Is.EqualTo(new long[] { 3, 2 }));
        Assert.That(results[2].Longs, Is.EqualTo(new long[] { 3, 1, 2 }));
        Assert.That(results[3].Shape, Is.EqualTo(new long[] { 2, 3, 4, 2 }));
        Assert.That(results[3].Floats.Skip(24 + 8 + 2).Take(2), Is.EqualTo(x.Floats.Skip(2).Take(2)));
        Assert.That(results[4].Longs, Is.EqualTo(new long[] { 1, 2 }));
    }

    [Test]
    public void ConstantOfShapeAndRange_Values()
    {
        TestTensor x = OpHarness.F(7, 2, 3);
        TestTensor[] results = OpHarness.RunMany((b, v) =>
        [
            b.ConstantOfShape(b.Shape(v[0]), 2.5),
            b.Range(b.ScalarInt64(2), b.ScalarInt64(11), b.ScalarInt64(3)),
        ], x);
        Assert.That(results[0].Shape, Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(results[0].Floats, Is.All.EqualTo(2.5f));
        Assert.That(results[1].Longs, Is.EqualTo(new long[] { 2, 5, 8 }));
    }

    [Test]
    public void GatherND_BatchDims1_PicksRowPerBatch()
    {
        TestTensor hidden = OpHarness.F(8, 3, 4, 2);
        TestTensor ids = TestTensor.Of([5L, 9, 1, 2, 7, 7, 3, 0, 4, 8, 8, 1], 3, 4);
        TestTensor result = OpHarness.Run(
            (b, v) => b.GatherND(v[0], b.ArgMax(v[1], 1, keepDims: true), batchDims: 1), hidden, ids);
        long[] rows = [1, 0, 1];
        float[] expected = Enumerable.Range(0, 6).Select(i => hidden.Floats[(i / 2 * 8) + (rows[i / 2] * 2) + (i % 2)])
            .ToArray();
        Assert.That(result.Shape, Is.EqualTo(new long[] { 3, 2 }));
        Assert.That(result.Floats, Is.EqualTo(expected));
    }
}
