using OnnxDiffusion.Runtime.Rng;
using OnnxDiffusion.Runtime.Sampling;

namespace OnnxDiffusion.Runtime.Tests.Sampling;

/// <summary>Properties every registered sampler must have (STYLE.md "SamplerContractTests").</summary>
[Category("Unit")]
public sealed class SamplerContractTests
{
    [TestCaseSource(typeof(SamplerHarness), nameof(SamplerHarness.AllSamplers))]
    public void Sample_SameSeedTwice_IsBitIdenticalAndFinite(string name)
    {
        var toy = new GaussianToy(1024, 0.5);
        float[] sigmas = SamplerHarness.Sigmas(SamplingRegistry.GetSampler(name), 12);
        float[] start = toy.StartAt(sigmas[0], seed: 1);
        float[] first = SamplerHarness.Run(name, toy, sigmas, start, seed: 77);
        float[] second = SamplerHarness.Run(name, toy, sigmas, start, seed: 77);
        Assert.That(second, Is.EqualTo(first));
        Assert.That(first.All(float.IsFinite), Is.True);
    }

    [TestCaseSource(typeof(SamplerHarness), nameof(SamplerHarness.AllSamplers))]
    public void Sample_OtherSeed_ChangesOnlyStochasticSamplers(string name)
    {
        ISampler sampler = SamplingRegistry.GetSampler(name);
        var toy = new GaussianToy(512, 0.5);
        float[] sigmas = SamplerHarness.Sigmas(sampler, 10);
        float[] start = toy.StartAt(sigmas[0], seed: 1);
        float[] a = SamplerHarness.Run(name, toy, sigmas, start, seed: 1, RngKind.TorchCpu);
        float[] b = SamplerHarness.Run(name, toy, sigmas, start, seed: 2, RngKind.TorchCpu);
        bool stochastic = (sampler.Traits & SamplerTraits.Stochastic) != 0;
        Assert.That(a.SequenceEqual(b), Is.EqualTo(!stochastic));
    }

    [TestCaseSource(typeof(SamplerHarness), nameof(SamplerHarness.AllSamplers))]
    public void Sample_LastSigmaZero_EndsOnTheDenoisedValue(string name)
    {
        // With D ≡ c the exact ODE solution is x(σ) = c + (x_T − c)·σ/σ_T, so ending at σ = 0 gives c. UniPC stops at
        // σ = 0.001 as in ComfyUI; its data-prediction update is exact for constant D, leaving (x_T − c)·0.001/σ_T.
        const float C = 0.75f;
        var denoiser = new ConstantDenoiser(C);
        float[] sigmas = SamplerHarness.Sigmas(SamplingRegistry.GetSampler(name), 8);
        var start = new float[64];
        new TorchCpuRandom(5).FillNormal(start);
        for (int i = 0; i < start.Length; i++)
        {
            start[i] *= sigmas[0];
        }

        float[] result = SamplerHarness.Run(name, denoiser, sigmas, start);
        float residual = name.StartsWith("uni_pc", StringComparison.Ordinal) ? 0.001f / sigmas[0] : 0f;
        Assert.That(sigmas[^1], Is.Zero);
        for (int i = 0; i < result.Length; i++)
        {
            Assert.That(result[i], Is.EqualTo(C + ((start[i] - C) * residual)).Within(2e-5f), $"element {i}");
        }
    }

    [TestCaseSource(typeof(SamplerHarness), nameof(SamplerHarness.AllSamplers))]
    public void Sample_FewerThanTwoSigmas_LeavesInputUnchanged(string name)
    {
        var toy = new GaussianToy(32, 0.5);
        float[] start = toy.StartAt(3, seed: 1);
        Assert.That(SamplerHarness.Run(name, toy, [3f], start), Is.EqualTo(start));
        Assert.That(SamplerHarness.Run(name, toy, [], start), Is.EqualTo(start));
        Assert.That(toy.Calls, Is.Zero);
    }

    [TestCaseSource(typeof(SamplerHarness), nameof(SamplerHarness.AllSamplers))]
    public void Sample_Progress_ReportsEveryStepOnceInOrder(string name)
    {
        var toy = new GaussianToy(64, 0.5);
        float[] sigmas = SamplerHarness.Sigmas(SamplingRegistry.GetSampler(name), 9);
        var steps = new List<int>();
        var reportedSigmas = new List<float>();
        var context = new SamplingContext(toy, sigmas, new PhiloxRandom(1))
        {
            Progress = (in SamplingProgress p) =>
            {
                steps.Add(p.Step);
                reportedSigmas.Add(p.Sigma);
                Assert.That(p.TotalSteps, Is.EqualTo(sigmas.Length - 1));
                Assert.That(p.X.Length, Is.EqualTo(64));
                Assert.That(p.Denoised.Length, Is.EqualTo(64));
            },
        };
        SamplingRegistry.GetSampler(name).Sample(context, toy.StartAt(sigmas[0], 2));
        Assert.That(steps, Is.EqualTo(Enumerable.Range(0, sigmas.Length - 1)));
        Assert.That(reportedSigmas, Is.EqualTo(sigmas[..^1]));
    }

    [TestCaseSource(typeof(SamplerHarness), nameof(SamplerHarness.AllSamplers))]
    public void Sample_CancelledDuringRun_ThrowsAndStopsCallingTheModel(string name)
    {
        var toy = new GaussianToy(64, 0.5);
        float[] sigmas = SamplerHarness.Sigmas(SamplingRegistry.GetSampler(name), 10);
        using var cancellation = new CancellationTokenSource();
        var context = new SamplingContext(toy, sigmas, new PhiloxRandom(1))
        {
            CancellationToken = cancellation.Token,
            Progress = (in SamplingProgress p) =>
            {
                if (p.Step == 2)
                {
                    cancellation.Cancel();
                }
            },
        };
        float[] x = toy.StartAt(sigmas[0], 2);
        Assert.That(() => SamplingRegistry.GetSampler(name).Sample(context, x),
            Throws.InstanceOf<OperationCanceledException>());
        Assert.That(toy.Calls, Is.LessThanOrEqualTo(6), "model calls continued after cancellation");
    }

    [TestCaseSource(typeof(SamplerHarness), nameof(SamplerHarness.AllSamplers))]
    public void Sample_MoreSteps_AllocatesNoMorePerStep(string name)
    {
        var toy = new GaussianToy(4096, 0.5);
        ISampler sampler = SamplingRegistry.GetSampler(name);
        long Measure(int steps)
        {
            float[] sigmas = SamplerHarness.Sigmas(sampler, steps);
            float[] x = toy.StartAt(sigmas[0], 1);
            var context = new SamplingContext(toy, sigmas, new PhiloxRandom(3));
            long before = GC.GetAllocatedBytesForCurrentThread();
            sampler.Sample(context, x);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Measure(5); // warm the array pool and JIT
        long few = Measure(10);
        long many = Measure(40);
        // Per-run bookkeeping may scale with the σ count (8 bytes per σ); a latent-sized buffer per step would be
        // 16 KB per step here.
        Assert.That(many - few, Is.LessThanOrEqualTo(30 * 16), $"allocated {few} bytes for 10 steps, {many} for 40");
    }

    [Test]
    public void Samplers_EveryImplementation_IsRegisteredOnce()
    {
        Type[] types = typeof(ISampler).Assembly.GetTypes()
            .Where(t => typeof(ISampler).IsAssignableFrom(t) && !t.IsAbstract && !t.IsInterface).ToArray();
        Assert.That(types, Is.Not.Empty);
        foreach (Type type in types)
        {
            Assert.That(SamplingRegistry.Samplers.Count(s => s.GetType() == type), Is.EqualTo(1),
                $"{type.Name} is not registered: add one line to SamplingRegistry.Samplers.");
        }
    }

    [Test]
    public void Samplers_Names_AreComfyNamesInComfyOrder()
    {
        string[] names = SamplingRegistry.Samplers.Select(s => s.Name).ToArray();
        Assert.That(names, Is.Unique);
        Assert.That(names, Is.SubsetOf(SamplerNames.ComfySamplerOrder));
        int[] positions = names.Select(n => SamplerNames.ComfySamplerOrder.ToList().IndexOf(n)).ToArray();
        Assert.That(positions, Is.Ordered);
    }

    [Test]
    public void Samplers_Traits_MatchComfyUiSets()
    {
        string[] With(SamplerTraits trait) =>
            SamplingRegistry.Samplers.Where(s => (s.Traits & trait) != 0).Select(s => s.Name).Order().ToArray();

        // comfy/samplers.py DISCARD_PENULTIMATE_SIGMA_SAMPLERS; samplers using default_noise_sampler or
        // BrownianTreeNoiseSampler; sampler_object("ddim") with inpaint_options random.
        Assert.That(With(SamplerTraits.DiscardPenultimateSigma),
            Is.EqualTo(new[] { "dpm_2", "dpm_2_ancestral", "uni_pc", "uni_pc_bh2" }));
        Assert.That(With(SamplerTraits.Stochastic),
            Is.EqualTo(new[] { "dpm_2_ancestral", "dpmpp_2m_sde", "dpmpp_sde", "euler_ancestral", "lcm" }));
        Assert.That(With(SamplerTraits.RandomInpaintNoise), Is.EqualTo(new[] { "ddim" }));
    }

    [Test]
    public void GetSampler_UnknownName_ThrowsListingValidNames()
    {
        Assert.That(() => SamplingRegistry.GetSampler("euler_a"),
            Throws.InstanceOf<NotSupportedException>().With.Message.Contains("euler_ancestral"));
    }
}
