using OnnxDiffusion.Converters.Precision;

namespace OnnxDiffusion.Converters.Tests.Precision;

[Category("Unit")]
public sealed class NamePatternsTests
{
    [TestCase("*time_embed*", "model.diffusion_model.time_embed.0/Gemm_0", true)]
    [TestCase("*time_embed*", "/time_embedding/linear_1/Gemm", true)]
    [TestCase("*decoder.up.0.*", "first_stage_model.decoder.up.0.block.1/Conv_0", true)]
    [TestCase("*decoder.up.0.*", "first_stage_model.decoder.up.1.block.1/Conv_0", false)]
    [TestCase("conv_?n*", "conv_in/Conv_0", true)]
    [TestCase("abc", "abcd", false)]
    [TestCase("*", "", true)]
    [TestCase("a*b*c", "aXbYbZc", true)]
    [TestCase("a*b*c", "aXbYbZ", false)]
    public void Glob_Cases_MatchWholeName(string pattern, string name, bool expected)
    {
        Assert.That(NamePatterns.Glob(pattern, name), Is.EqualTo(expected));
    }
}
