using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Core.Training;
using OnnxDiffusion.Converters.Training;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Converters.Tests.Training;

[Category("Integration")]
public sealed class TrainingArtifactsTests
{
    private const int TokenCount = 4;
    private const int Dim = 48;       // Sd15Config.Tiny context width
    private const int Side = 8;       // 64×64 images → 8×8 latents

    private static TempDir? s_dir;
    private static TrainingArtifactsResult? s_result;

    [OneTimeSetUp]
    public void WriteArtifacts()
    {
        s_dir = new TempDir("onnxdiff-artifacts");
        s_result = TrainingArtifacts.Write(new TrainingArtifactsOptions
        {
            Package = TinyPackage.Root,
            Output = s_dir.File("train"),
            NumTokens = TokenCount,
            Optimizer = new AdamWSettings { WeightDecay = 0.01 },
        });
    }

    [OneTimeTearDown]
    public void Delete() => s_dir?.Dispose();

    private static string ArtifactPath(string file) => Path.Combine(s_result!.Directory, file);

    [Test]
    public void Write_TinyPackage_DetectsTheUNetAndWritesEveryFile()
    {
        TrainingManifest manifest = TrainingManifest.Load(s_result!.Directory);
        Assert.That(manifest.NumTokens, Is.EqualTo(TokenCount));
        Assert.That(manifest.ContextDim, Is.EqualTo(Dim));
        Assert.That(s_result.UNet.ModelChannels, Is.EqualTo(32));
        foreach (string file in new[] { manifest.TrainingModel, manifest.EvalModel, manifest.OptimizerModel,
                     manifest.Checkpoint })
        {
            Assert.That(File.Exists(ArtifactPath(file)), Is.True, file);
        }

        ContextTokens checkpoint = ContextTokens.Load(ArtifactPath(manifest.Checkpoint));
        Assert.That((checkpoint.Count, checkpoint.Dim), Is.EqualTo((TokenCount, Dim)));
        Assert.That(s_result.TrainingNodes, Is.GreaterThan(2 * s_result.EvalNodes), "backward graph emitted");
    }

    [Test]
    public void EvalModel_SharesTheTrainingModelsWeightsFile()
    {
        long training = new FileInfo(ArtifactPath("training_model.onnx.data")).Length;
        long eval = File.Exists(ArtifactPath("eval_model.onnx.data"))
            ? new FileInfo(ArtifactPath("eval_model.onnx.data")).Length
            : 0;
        Assert.That(eval, Is.LessThan(training / 10), "the eval model references the training weights");
    }

    [Test]
    public void Losses_MatchThePackagesOwnUNetWithTheTokensAppended()
    {
        Feed feed = Feed.Random(1);
        float[] context = [.. feed.BaseContext, .. feed.Tokens];                         // [1, 77 + N, D]
        float[] prediction;
        using (var unet = new OrtModel(new PackageLayout(TinyPackage.Root).ModelPath(PackageLayout.UNet)))
        {
            prediction = unet.Run(("sample", feed.Noisy, [1, 4, Side, Side]), ("timestep", feed.Timestep, [1]),
                ("encoder_hidden_states", context, [1, 77 + TokenCount, Dim]))["out_sample"];
        }

        double expected = MaskedLoss(prediction, feed.Target, feed.Mask);
        using var eval = new OrtModel(ArtifactPath("eval_model.onnx"));
        using var training = new OrtModel(ArtifactPath("training_model.onnx"));
        Assert.That(eval.Run(feed.Inputs())["loss"][0], Is.EqualTo(expected).Within(1e-4).Percent);
        Assert.That(training.Run(feed.Inputs())["loss"][0], Is.EqualTo(expected).Within(1e-4).Percent);
    }

    [Test]
    public void TokensGradient_OfTheWholeUNet_MatchesCentralDifferences()
    {
        using var training = new OrtModel(ArtifactPath("training_model.onnx"));
        using var eval = new OrtModel(ArtifactPath("eval_model.onnx"));
        // Few base tokens and unit-scale learned tokens, so the tokens carry a good share of the attention and the
        // loss change along a direction stands well above float32 rounding.
        Feed feed = Feed.Random(2, baseTokens: 3, tokenStd: 1);
        float[] gradient = training.Run(feed.Inputs())["tokens_grad"];
        Assert.That(gradient.Any(g => g != 0), Is.True);
        for (int d = 0; d < 3; d++)
        {
            float[] direction = Gaussian.Draw(100 + d, TokenCount * Dim);
            double analytic = gradient.Zip(direction, (g, u) => (double)g * u).Sum();
            const double Step = 1e-2;
            double plus = eval.Run(feed.WithTokens(Shift(feed.Tokens, direction, Step)).Inputs())["loss"][0];
            double minus = eval.Run(feed.WithTokens(Shift(feed.Tokens, direction, -Step)).Inputs())["loss"][0];
            double numeric = (plus - minus) / (2 * Step);
            double relative = Math.Abs(numeric - analytic) / Math.Max(Math.Abs(numeric), Math.Abs(analytic));
            TestContext.Out.WriteLine($"direction {d}: analytic {analytic:G6}, numeric {numeric:G6}, rel {relative:G3}");
            Assert.That(relative, Is.LessThanOrEqualTo(1e-2), $"direction {d}: {analytic} vs {numeric}");
        }
    }

    [Test]
    public void Optimizer_MatchesANaiveAdamW()
    {
        using var optimizer = new OrtModel(ArtifactPath("optimizer_model.onnx"));
        var settings = new AdamWSettings { WeightDecay = 0.01 };
        float[] p = Gaussian.Draw(5, TokenCount * Dim), m = new float[p.Length], v = new float[p.Length];
        double[] np = p.Select(x => (double)x).ToArray(), nm = new double[p.Length], nv = new double[p.Length];
        long[] shape = [TokenCount, Dim];
        for (int t = 1; t <= 3; t++)
        {
            float[] g = Gaussian.Draw(10 + t, p.Length);
            const float Lr = 0.05f;
            var outputs = optimizer.Run(("params", p, shape), ("grad", g, shape), ("m", m, shape), ("v", v, shape),
                ("step", [t], []), ("lr", [Lr], []));
            (p, m, v) = (outputs["params_out"], outputs["m_out"], outputs["v_out"]);
            for (int i = 0; i < np.Length; i++)
            {
                // torch.optim.AdamW: decay, moments, bias correction, update.
                np[i] *= 1 - (Lr * settings.WeightDecay);
                nm[i] = (settings.Beta1 * nm[i]) + ((1 - settings.Beta1) * g[i]);
                nv[i] = (settings.Beta2 * nv[i]) + ((1 - settings.Beta2) * g[i] * g[i]);
                double mHat = nm[i] / (1 - Math.Pow(settings.Beta1, t));
                double vHat = nv[i] / (1 - Math.Pow(settings.Beta2, t));
                np[i] -= Lr * mHat / (Math.Sqrt(vHat) + settings.Epsilon);
            }
        }

        Assert.That(p.Zip(np, (a, b) => Math.Abs(a - b)).Max(), Is.LessThan(1e-5));
    }

    [Test]
    public void Write_IntoANonEmptyFolder_ThrowsUnlessForced()
    {
        Assert.That(() => TrainingArtifacts.Write(new TrainingArtifactsOptions
        {
            Package = TinyPackage.Root, Output = s_result!.Directory, NumTokens = TokenCount,
        }), Throws.InstanceOf<InvalidInputException>().With.Message.Contains("--force"));
    }

    private static float[] Shift(float[] x, float[] direction, double step) =>
        x.Zip(direction, (a, u) => (float)(a + (step * u))).ToArray();

    private static double MaskedLoss(float[] prediction, float[] target, float[] mask)
    {
        double sum = 0, area = 0;
        int plane = Side * Side;
        for (int i = 0; i < prediction.Length; i++)
        {
            double d = prediction[i] - target[i];
            sum += mask[i % plane] * d * d;
        }

        foreach (float m in mask)
        {
            area += m;
        }

        return sum / ((4 * area) + 1e-8);
    }

    /// <summary>Random inputs of the training graphs (one sample of 8×8 latents).</summary>
    private sealed record Feed(float[] Tokens, float[] BaseContext, float[] Noisy, float[] Timestep, float[] Target,
        float[] Mask)
    {
        public static Feed Random(int seed, int baseTokens = 77, double tokenStd = 0.5) => new(
            Gaussian.Draw(seed, TokenCount * Dim, tokenStd),
            Gaussian.Draw(seed + 1, baseTokens * Dim),
            Gaussian.Draw(seed + 2, 4 * Side * Side),
            [417],
            Gaussian.Draw(seed + 3, 4 * Side * Side),
            Gaussian.Draw(seed + 4, Side * Side).Select(x => x > 0 ? 1f : 0.25f).ToArray());

        public Feed WithTokens(float[] tokens) => this with { Tokens = tokens };

        public (string, float[], long[])[] Inputs() =>
        [
            ("tokens", Tokens, [Tokens.Length / Dim, Dim]), ("base_context", BaseContext, [1, BaseContext.Length / Dim, Dim]),
            ("noisy_latents", Noisy, [1, 4, Side, Side]), ("timestep", Timestep, [1]),
            ("target", Target, [1, 4, Side, Side]), ("mask", Mask, [1, 1, Side, Side]),
        ];
    }
}
