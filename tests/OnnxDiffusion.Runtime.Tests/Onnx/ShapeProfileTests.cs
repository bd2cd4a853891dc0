using OnnxDiffusion.Runtime.Onnx;

namespace OnnxDiffusion.Runtime.Tests.Onnx;

[Category("Unit")]
public sealed class ShapeProfileTests
{
    [Test]
    public void ForUNet_CfgBatch_DoublesBatchAndDividesBy8()
    {
        var profile = ShapeProfile.ForUNet(768, 512, 2, cfg: true, maxTokenChunks: 2);
        Assert.Multiple(() =>
        {
            Assert.That(profile.MinShapes,
                Is.EqualTo("encoder_hidden_states:1x77x768,sample:1x4x64x96,timestep:1"));
            Assert.That(profile.OptShapes,
                Is.EqualTo("encoder_hidden_states:4x77x768,sample:4x4x64x96,timestep:4"));
            Assert.That(profile.MaxShapes,
                Is.EqualTo("encoder_hidden_states:4x154x768,sample:4x4x64x96,timestep:4"));
        });
    }

    [Test]
    public void ForUNet_NoCfg_KeepsBatch()
    {
        var profile = ShapeProfile.ForUNet(512, 512, 3, cfg: false);
        Assert.That(profile.MaxShapes, Does.Contain("sample:3x4x64x64"));
    }

    [Test]
    public void Add_MinAboveMax_Throws()
    {
        Assert.Throws<ArgumentException>(() => new ShapeProfile().Add("x", [2], [1], [1]));
    }

    [Test]
    public void Add_RankMismatch_Throws()
    {
        Assert.Throws<ArgumentException>(() => new ShapeProfile().Add("x", [1, 1], [1], [1]));
    }
}
