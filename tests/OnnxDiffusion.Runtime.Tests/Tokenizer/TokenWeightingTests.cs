using OnnxDiffusion.Runtime.Tokenizer;

namespace OnnxDiffusion.Runtime.Tests.Tokenizer;

[Category("Unit")]
public sealed class TokenWeightingTests
{
    [Test]
    public void Apply_Weights_InterpolatesFromEmptyPrompt()
    {
        float[] hidden = [1f, 2f, 3f, 4f, 5f, 6f];     // 3 positions × dim 2
        float[] empty = [0.5f, 0.5f, 1f, 1f, 2f, 2f];
        float[] weights = [1f, 1.5f, 0f];
        TokenWeighting.Apply(hidden, empty, weights, dim: 2);
        // position 0 untouched; position 1: 1 + (3 − 1)·1.5 = 4, 1 + (4 − 1)·1.5 = 5.5; position 2 (w = 0): empty.
        Assert.That(hidden, Is.EqualTo(new[] { 1f, 2f, 4f, 5.5f, 2f, 2f }));
    }

    [Test]
    public void Apply_MismatchedLengths_Throws()
    {
        Assert.That(() => TokenWeighting.Apply(new float[6], new float[6], new float[2], 2),
            Throws.InstanceOf<ArgumentException>());
    }
}
