using OnnxDiffusion.Runtime.Sampling;

namespace OnnxDiffusion.Runtime.Tests.Sampling;

/// <summary>The SD1.x reference σ tables of comfyui-spec.md §2b (an independent numpy port), at 1e-4.</summary>
[Category("Golden")]
public sealed class ScheduleGoldenTests
{
    private static IEnumerable<TestCaseData> Tables()
    {
        yield return Case("normal", 20, "14.6146 10.7468 8.0815 6.2049 4.8557 3.8654 3.1238 2.5572 2.1157 1.7648 " +
            "1.4806 1.2458 1.0481 0.8784 0.7297 0.5964 0.4736 0.3555 0.2322 0.0292 0");
        yield return Case("karras", 20, "14.6146 11.7254 9.3402 7.3836 5.7894 4.4998 3.4647 2.6408 1.9909 1.4832 " +
            "1.0908 0.7909 0.5647 0.3964 0.2730 0.1842 0.1213 0.0779 0.0485 0.0292 0");
        yield return Case("exponential", 20, "14.6146 10.5363 7.5961 5.4763 3.9481 2.8464 2.0521 1.4794 1.0666 " +
            "0.7689 0.5544 0.3997 0.2881 0.2077 0.1498 0.1080 0.0778 0.0561 0.0405 0.0292 0");
        yield return Case("sgm_uniform", 20, "14.6146 10.9073 8.3072 6.4477 5.0924 4.0861 3.3251 2.7391 2.2797 " +
            "1.9132 1.6156 1.3696 1.1629 0.9860 0.8319 0.6951 0.5712 0.4557 0.3437 0.2255 0");
        yield return Case("simple", 20, "14.6146 10.9042 8.3028 6.4430 5.0878 4.0817 3.3211 2.7355 2.2765 1.9103 " +
            "1.6129 1.3672 1.1606 0.9838 0.8299 0.6932 0.5693 0.4538 0.3417 0.2230 0");
        yield return Case("ddim_uniform", 20, "11.0283 8.3907 6.5064 5.1344 4.1167 3.3478 2.7562 2.2929 1.9234 " +
            "1.6237 1.3762 1.1682 0.9904 0.8357 0.6984 0.5741 0.4583 0.3462 0.2281 0.0413 0");
        yield return Case("beta", 20, "14.6146 13.5157 11.5428 9.3889 7.3718 5.6866 4.3728 3.3747 2.6152 2.0473 " +
            "1.6183 1.2846 1.0273 0.8212 0.6549 0.5154 0.3955 0.2913 0.1991 0.1114 0");
        yield return Case("normal", 10, "14.6146 7.8399 4.6092 2.9183 1.9502 1.3449 0.9324 0.6250 0.3687 0.0292 0");
        yield return Case("karras", 10, "14.6146 9.1029 5.4784 3.1686 1.7494 0.9141 0.4469 0.2014 0.0819 0.0292 0");
    }

    [TestCaseSource(nameof(Tables))]
    public void GetSigmas_Sd1_MatchesSpecTable(string name, int steps, float[] expected)
    {
        float[] actual = SamplingRegistry.GetSchedule(name).GetSigmas(steps, ModelSamplingDiscrete.Default);
        Assert.That(actual, Has.Length.EqualTo(expected.Length));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(1e-4f), $"{name} σ[{i}]");
        }
    }

    [Test]
    public void GetSigmas_DdimUniform30Steps_Has31StepsAsComfyUi()
    {
        float[] sigmas = SamplingRegistry.GetSchedule("ddim_uniform").GetSigmas(30, ModelSamplingDiscrete.Default);
        Assert.That(sigmas, Has.Length.EqualTo(32));
        Assert.That(sigmas[^2], Is.EqualTo(ModelSamplingDiscrete.Default.Sigmas[1]));
    }

    private static TestCaseData Case(string name, int steps, string values) =>
        new TestCaseData(name, steps, values.Split(' ').Select(float.Parse).ToArray())
            .SetName($"GetSigmas_Sd1_MatchesSpecTable({name}, {steps})");
}
