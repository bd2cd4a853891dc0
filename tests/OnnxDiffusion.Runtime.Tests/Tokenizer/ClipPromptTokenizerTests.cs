using OnnxDiffusion.Runtime.Tokenizer;

namespace OnnxDiffusion.Runtime.Tests.Tokenizer;

[Category("Unit")]
public sealed class ClipPromptTokenizerTests
{
    private const int Start = 49406;
    private const int End = 49407;

    private static ClipPromptTokenizer Sd1 => new(TokenizerData.Tokenizer);

    [Test]
    public void Tokenize_AstronautPrompt_IsOneChunkPaddedWithEnd()
    {
        TokenizedPrompt result = Sd1.Tokenize("a photograph of an astronaut riding a horse");
        int[] expected = [Start, 320, 8853, 539, 550, 18376, 6765, 320, 4558, End, .. Enumerable.Repeat(End, 67)];
        Assert.That(result.Chunks, Has.Count.EqualTo(1));
        Assert.That(result.Chunks[0].Ids, Is.EqualTo(expected));
        Assert.That(result.Chunks[0].Weights, Is.All.EqualTo(1f));
        Assert.That(result.TokenCount, Is.EqualTo(8));
        Assert.That(result.HasWeights, Is.False);
    }

    [Test]
    public void Tokenize_EmptyPrompt_IsStartEndAndPadding()
    {
        TokenizedPrompt result = Sd1.Tokenize("");
        Assert.That(result.Chunks, Has.Count.EqualTo(1));
        Assert.That(result.Chunks[0].Ids, Is.EqualTo(new[] { Start }.Concat(Enumerable.Repeat(End, 76))));
        Assert.That(Sd1.EmptyTokens(), Is.EqualTo(result.Chunks[0].Ids));
    }

    [Test]
    public void Tokenize_PadWithZero_PadsAfterEndToken()
    {
        var sd2 = new ClipPromptTokenizer(TokenizerData.Tokenizer, padWithEnd: false);
        int[] ids = sd2.Tokenize("horse").Chunks[0].Ids;
        Assert.That(ids[..3], Is.EqualTo(new[] { Start, 4558, End }));
        Assert.That(ids[3..], Is.All.Zero);
    }

    [Test]
    public void Tokenize_WeightedWords_CarryWeightsToTheirPositions()
    {
        TokenizedPrompt result = Sd1.Tokenize("a (horse:1.3) ((riding))");
        TokenChunk chunk = result.Chunks[0];
        Assert.That(chunk.Ids[..5], Is.EqualTo(new[] { Start, 320, 4558, 6765, End }));
        Assert.That(chunk.Weights[..5], Is.EqualTo(new[] { 1f, 1f, 1.3f, (float)(1.1 * 1.1), 1f }));
        Assert.That(result.HasWeights, Is.True);
    }

    [Test]
    public void Tokenize_80Tokens_SplitsLargeGroupAcrossTwoChunks()
    {
        int cat = TokenizerData.Ids("cat</w>")[0];
        TokenizedPrompt result = Sd1.Tokenize(string.Join(' ', Enumerable.Repeat("cat", 80)));
        Assert.That(result.Chunks, Has.Count.EqualTo(2));
        Assert.That(result.Chunks[0].Ids, Is.EqualTo(new[] { Start }.Concat(Enumerable.Repeat(cat, 75)).Append(End)));
        int[] second = [Start, .. Enumerable.Repeat(cat, 5), End, .. Enumerable.Repeat(End, 70)];
        Assert.That(result.Chunks[1].Ids, Is.EqualTo(second));
        Assert.That(result.TokenCount, Is.EqualTo(80));
    }

    [Test]
    public void Tokenize_SmallGroupAtBoundary_MovesWholeToNextChunk()
    {
        int cat = TokenizerData.Ids("cat</w>")[0];
        int dog = TokenizerData.Ids("dog</w>")[0];
        string prompt = string.Join(' ', Enumerable.Repeat("cat", 74)) + " (dog dog dog:1.2)";
        TokenizedPrompt result = Sd1.Tokenize(prompt);
        Assert.That(result.Chunks, Has.Count.EqualTo(2));
        // 74 + 3 tokens do not fit in 75: the 3-token group (< 8) moves; the first chunk is closed and padded.
        int[] first = [Start, .. Enumerable.Repeat(cat, 74), End, End];
        Assert.That(result.Chunks[0].Ids, Is.EqualTo(first));
        Assert.That(result.Chunks[1].Ids[..5], Is.EqualTo(new[] { Start, dog, dog, dog, End }));
        Assert.That(result.Chunks[1].Weights[..5], Is.EqualTo(new[] { 1f, 1.2f, 1.2f, 1.2f, 1f }));
    }

    [Test]
    public void Tokenize_EmbeddingWord_IsDroppedAndReported()
    {
        TokenizedPrompt result = Sd1.Tokenize("a horse embedding:EasyNegative, riding");
        Assert.That(result.MissingEmbeddings, Is.EqualTo(new[] { "EasyNegative" }));
        // "a horse" then the leftover ", riding" (ComfyUI re-adds the trailing comma).
        int comma = TokenizerData.Ids(",</w>")[0];
        Assert.That(result.Chunks[0].Ids[..6], Is.EqualTo(new[] { Start, 320, 4558, comma, 6765, End }));
    }

    [Test]
    public void Tokenize_EscapedParentheses_AreLiteralText()
    {
        int[] ids = Sd1.Tokenize("\\(horse\\)").Chunks[0].Ids;
        // "(horse)" → pieces "(", "horse", ")".
        int[] expected = [Start, .. TokenizerData.Ids("(</w>", "horse</w>", ")</w>"), End];
        Assert.That(ids[..5], Is.EqualTo(expected));
    }
}
