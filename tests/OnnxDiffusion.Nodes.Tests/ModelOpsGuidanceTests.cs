using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Training;
using OnnxDiffusion.Nodes.Models;
using OnnxDiffusion.Nodes.Values;
using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.Runtime.Sampling;
using OnnxDiffusion.Runtime.Sampling.Guidance;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Nodes.Tests;

/// <summary>
/// CONDITIONING → sampler conditioning (<see cref="ModelOps.BuildGuidance"/>), checked with a closed-form model:
/// ConditioningSetArea units, ConditioningZeroOut and the reference-context patch of AnimaFastTrainPatchModel.
/// </summary>
[Category("Unit")]
public sealed class ModelOpsGuidanceTests
{
    private const int Dim = 6;

    private static Conditioning Text(int tokens, float start)
    {
        var data = Enumerable.Range(0, tokens * Dim).Select(i => start + (0.01f * (i % 13))).ToArray();
        var pooled = new FloatTensor([1, Dim], Enumerable.Repeat(1f, Dim).ToArray());
        return new Conditioning([new ConditioningEntry(new FloatTensor([1, tokens, Dim], data),
            new ConditioningOptions { PooledOutput = pooled })]);
    }

    private static ReferenceContextModel Patch(int count, double scale, int seed)
    {
        var random = new Random(seed);
        float[] tokens = Enumerable.Range(0, count * Dim).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        return new ReferenceContextModel(null!, new ContextTokens(tokens, count, Dim), scale);
    }

    [Test]
    public void BuildGuidance_SetArea_ConvertsPixelsToLatentCells()
    {
        Conditioning area = ConditioningOps.SetArea(Text(77, 0.1f), width: 64, height: 128, x: 64, y: 8, strength: 0.6);
        GuidanceConditioning g = ModelOps.BuildGuidance(Text(77, 0.5f).Concat(area), Text(77, -0.5f), []);

        Assert.That(g.Positive, Has.Count.EqualTo(2));
        Assert.That(g.Positive[0].IsPlain, Is.True);
        Assert.That(g.Positive[1].Area, Is.EqualTo(new LatentArea(Height: 16, Width: 8, Y: 1, X: 8)));
        Assert.That(g.Positive[1].Strength, Is.EqualTo(0.6));
    }

    [Test]
    public void ZeroOut_SampledWithClosedFormModel_PredictsWithAZeroContext()
    {
        // Toy ε = 0.5·s + mean(context): a zeroed positive predicts ε = 0.5·s, so D_pos = x − σ·0.5·x/√(σ²+1).
        Conditioning zero = ConditioningOps.ZeroOut(Text(77, 0.8f));
        Conditioning negative = Text(77, -0.3f);
        GuidanceConditioning g = ModelOps.BuildGuidance(zero, negative, []);
        var model = new MeanModel();
        int[] shape = [1, 4, 2, 3];
        var denoiser = new MultiConditioningDenoiser(model, g, shape, cfg: 3.0);
        float[] x = Enumerable.Range(0, 24).Select(i => (i - 12) * 0.25f).ToArray();
        var actual = new float[24];
        const float Sigma = 2f;
        denoiser.Denoise(x, Sigma, actual);

        double negativeMean = negative.Entries[0].Embedding.Data.Average(v => (double)v);
        double scale = Math.Sqrt((Sigma * Sigma) + 1);
        for (int i = 0; i < 24; i++)
        {
            double dPos = x[i] - (Sigma * 0.5 * x[i] / scale);
            double dNeg = x[i] - (Sigma * ((0.5 * x[i] / scale) + negativeMean));
            Assert.That(actual[i], Is.EqualTo(dNeg + ((dPos - dNeg) * 3.0)).Within(1e-4), $"element {i}");
        }
    }

    [Test]
    public void Patch_FirstUNetCall_GetsTextThenScaledTokensForPositiveOnly()
    {
        Conditioning positive = Text(77, 0.2f), negative = Text(77, -0.2f);
        ReferenceContextModel patch = Patch(count: 4, scale: 0.75, seed: 3);
        GuidanceConditioning g = ModelOps.BuildGuidance(positive, negative, [patch]);
        var model = new MeanModel();
        var latent = new LatentInput { Samples = new FloatTensor(1, 4, 2, 2) };
        CommonKSampler.Sample(model, g, latent, new KSamplerOptions { Seed = 1, Steps = 2, Cfg = 5 });

        // Expected contexts, built element by element from the inputs.
        float[] text = positive.Entries[0].Embedding.Data;
        var expected = new float[(77 + 4) * Dim];
        for (int t = 0; t < 77 + 4; t++)
        {
            for (int d = 0; d < Dim; d++)
            {
                expected[(t * Dim) + d] = t < 77
                    ? text[(t * Dim) + d]
                    : 0.75f * patch.Tokens.Tokens[((t - 77) * Dim) + d];
            }
        }

        TextContext[] first = model.Prepared[model.FirstRun];
        Assert.That(first, Has.Length.EqualTo(1), "85 and 77 tokens do not share a call");
        Assert.That((first[0].Tokens, first[0].Values), Is.EqualTo((77 + 4, expected)));
        TextContext uncond = model.Prepared.Single(p => p[0].Tokens == 77)[0];
        Assert.That(uncond.Values, Is.EqualTo(negative.Entries[0].Embedding.Data));
    }

    [Test]
    public void Patch_TokenWidthMismatch_IsAnInputError()
    {
        var patch = new ReferenceContextModel(null!, new ContextTokens(new float[8], 1, 8), 1.0);
        Assert.Throws<Core.Errors.InvalidInputException>(() =>
            ModelOps.BuildGuidance(Text(77, 0f), Text(77, 0f), [patch]));
    }

    /// <summary>ε = 0.5·s + mean(context of the row); records prepared contexts and the first call run.</summary>
    private sealed class MeanModel : IContextUNetModel
    {
        private readonly List<double[]> _means = [];

        public PredictionType Prediction => PredictionType.Epsilon;

        public IModelSampling ModelSampling => ModelSamplingDiscrete.Default;

        public int SizeMultiple => 1;

        public List<TextContext[]> Prepared { get; } = [];

        public int FirstRun { get; private set; } = -1;

        public int Prepare(IReadOnlyList<TextContext> contexts, int batch, int height, int width)
        {
            Prepared.Add(contexts.ToArray());
            _means.Add(contexts.Select(c => c.Values.Average(v => (double)v)).ToArray());
            return Prepared.Count - 1;
        }

        public void Predict(int call, ReadOnlySpan<float> sample, float timestep, Span<float> output)
        {
            FirstRun = FirstRun < 0 ? call : FirstRun;
            double[] means = _means[call];
            int block = sample.Length / means.Length;
            for (int i = 0; i < sample.Length; i++)
            {
                output[i] = (float)((0.5 * sample[i]) + means[i / block]);
            }
        }
    }
}
