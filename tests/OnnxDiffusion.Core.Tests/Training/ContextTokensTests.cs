using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Training;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Core.Tests.Training;

[Category("Unit")]
public sealed class ContextTokensTests
{
    [Test]
    public void SaveLoad_WithOptimizerState_RoundTrips()
    {
        using var dir = new TempDir();
        var tokens = new ContextTokens([1, 2, 3, 4, 5, 6], 2, 3)
        {
            FirstMoment = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f],
            SecondMoment = [1e-3f, 2e-3f, 3e-3f, 4e-3f, 5e-3f, 6e-3f],
            Step = 42,
        };
        tokens.Metadata["final_loss"] = "0.125";
        tokens.Save(dir.File("t.safetensors"));

        ContextTokens loaded = ContextTokens.Load(dir.File("t.safetensors"));
        Assert.That((loaded.Count, loaded.Dim, loaded.Step), Is.EqualTo((2, 3, 42L)));
        Assert.That(loaded.Tokens, Is.EqualTo(tokens.Tokens));
        Assert.That(loaded.FirstMoment, Is.EqualTo(tokens.FirstMoment));
        Assert.That(loaded.SecondMoment, Is.EqualTo(tokens.SecondMoment));
        Assert.That(loaded.MetadataNumber("final_loss"), Is.EqualTo(0.125));
        Assert.That(loaded.Metadata, Does.Not.ContainKey(ContextTokens.FormatKey));
    }

    [Test]
    public void SaveLoad_TokensOnly_HasNoOptimizerState()
    {
        using var dir = new TempDir();
        new ContextTokens([1, 2], 1, 2).Save(dir.File("t.safetensors"));
        ContextTokens loaded = ContextTokens.Load(dir.File("t.safetensors"));
        Assert.That(loaded.FirstMoment, Is.Null);
        Assert.That(loaded.Step, Is.Zero);
    }

    [Test]
    public void Load_FileWithoutTokens_ThrowsInvalidInput()
    {
        using var dir = new TempDir();
        SafetensorsWriter.Write(dir.File("x.safetensors"), [("weight", DType.F32, new long[] { 1 }, new byte[4])]);
        Assert.That(() => ContextTokens.Load(dir.File("x.safetensors")),
            Throws.InstanceOf<InvalidInputException>().With.Message.Contains("train-context"));
    }

    [Test]
    public void Constructor_WrongLength_Throws() =>
        Assert.That(() => new ContextTokens([1, 2, 3], 2, 2), Throws.ArgumentException);
}
