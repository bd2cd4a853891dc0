using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.Converters.Export;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Serialization;
using OnnxDiffusion.Models.Architectures;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Families;
using OnnxDiffusion.Runtime.Components;
using OnnxDiffusion.Runtime.Onnx;
using OnnxDiffusion.Runtime.Pipelines;

namespace OnnxDiffusion.Runtime.Tests.Pipelines;

/// <summary>Prompt conditioning on the tiny package's text encoder: clip skip, weighting, long prompts.</summary>
[Category("Integration")]
public sealed class ClipTextConditionerTests
{
    private static StableDiffusionPipeline Pipeline() => new(TinyPackages.Open(TinyPackages.Standard));

    [Test]
    public void ClipSkip2_RuntimeLayerNormOnHiddenStates_EqualsAnEncoderExportedWithClipSkipBakedIn()
    {
        // Independent check of the runtime's final LayerNorm: the exporter can put final_layer_norm on the
        // penultimate layer inside the graph (ClipTextModelOptions.ClipSkip = 2); ORT's LayerNormalization
        // kernel then computes what the runtime computes in C# from hidden_states.11.
        string baked = Path.Combine(TinyPackages.Root, "clip-skip-2", "model.onnx");
        if (!File.Exists(baked))
        {
            using IWeightSource source = WeightFile.Open(TinyPackages.StandardCheckpoint);
            Sd15Config config = Sd15Family.DetectFromWeights(source);
            OnnxModel model = ClipTextModel.Build(config.TextEncoder,
                new CheckpointInitializerSource(source, CheckpointIndex.From(source)),
                new ClipTextModelOptions { ClipSkip = 2, HiddenStatesOutputs = false });
            ModelWriter.Write(model, baked);
        }

        const string Prompt = "a photo of a (red:1.0) fox in the snow";
        ClipTextConditioner conditioner = Pipeline().Conditioner;
        TextContext runtime = conditioner.Encode(Prompt, clipSkip: 2);
        TextContext last = conditioner.Encode(Prompt, clipSkip: 1);
        using var session = ModelSession.Create(baked, new SessionConfig());
        int[] ids = conditioner.Tokenizer.Tokenize(Prompt).Chunks[0].Ids;
        FloatTensor expected = new TextEncoderRunner(session).Run(ids, 1, ids.Length,
            TextEncoderRunner.LastHiddenStateName)[0];

        Assert.That(PlainOrt.MaxAbsDiff(runtime.Values, expected.Data), Is.LessThanOrEqualTo(2e-5f));
        Assert.That(PlainOrt.MaxAbsDiff(runtime.Values, last.Values), Is.GreaterThan(1e-2f),
            "clip skip 2 must differ from the last layer");
    }

    [Test]
    public void Weighting_OneWeightedWord_ChangesOnlyItsPositionByTheComfyFormula()
    {
        ClipTextConditioner conditioner = Pipeline().Conditioner;
        TextContext plain = conditioner.Encode("a cat sitting");
        TextContext weighted = conditioner.Encode("a (cat:1.5) sitting");
        float[] weights = conditioner.Tokenizer.Tokenize("a (cat:1.5) sitting").Chunks[0].Weights;
        int dim = plain.Dim;

        // The empty prompt's encoding, straight from the text encoder: [start, end, pad…].
        var session = TinyPackages.Open(TinyPackages.Standard).Session(PackageLayout.TextEncoder);
        int[] emptyIds = conditioner.Tokenizer.EmptyTokens();
        float[] empty = new TextEncoderRunner(session).Run(emptyIds, 1, emptyIds.Length,
            TextEncoderRunner.LastHiddenStateName)[0].Data;

        Assert.That(Enumerable.Range(0, weights.Length).Where(i => weights[i] != 1f), Is.EqualTo(new[] { 2 }),
            "only 'cat' (after <start> and 'a') carries a weight");
        for (int t = 0; t < plain.Tokens; t++)
        {
            ReadOnlySpan<float> a = plain.Values.AsSpan(t * dim, dim);
            ReadOnlySpan<float> b = weighted.Values.AsSpan(t * dim, dim);
            if (t != 2)
            {
                Assert.That(b.SequenceEqual(a), Is.True, $"position {t} has weight 1 and must not change");
                continue;
            }

            for (int j = 0; j < dim; j++)
            {
                float e = empty[(t * dim) + j];
                Assert.That(b[j], Is.EqualTo(((a[j] - e) * 1.5f) + e).Within(1e-5f), $"position 2, channel {j}");
            }
        }
    }

    [Test]
    public void LongPrompt_TwoChunks_EachEncodedLikeItsOwn77TokenWindow()
    {
        string prompt = string.Join(" ", Enumerable.Range(0, 100).Select(i => i % 2 == 0 ? "red" : "fox"));
        ClipTextConditioner conditioner = Pipeline().Conditioner;
        TextContext context = conditioner.Encode(prompt);
        var chunks = conditioner.Tokenizer.Tokenize(prompt).Chunks;
        var runner = new TextEncoderRunner(TinyPackages.Open(TinyPackages.Standard).Session(PackageLayout.TextEncoder));

        Assert.That(chunks, Has.Count.EqualTo(2));
        Assert.That(context.Tokens, Is.EqualTo(154));
        for (int c = 0; c < 2; c++)
        {
            float[] alone = runner.Run(chunks[c].Ids, 1, 77, TextEncoderRunner.LastHiddenStateName)[0].Data;
            Assert.That(PlainOrt.MaxAbsDiff(context.Values.AsSpan(c * alone.Length, alone.Length), alone),
                Is.LessThanOrEqualTo(1e-5f), $"chunk {c}");
        }
    }
}
