using Microsoft.ML.OnnxRuntime;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Runtime.Onnx;

namespace OnnxDiffusion.Runtime.Tests.Onnx;

[Category("Unit")]
public sealed class ProviderSetupTests
{
    [TestCase("cpu", ExecutionProviderKind.Cpu)]
    [TestCase("CUDA", ExecutionProviderKind.Cuda)]
    [TestCase("tensorrt", ExecutionProviderKind.TensorRt)]
    public void Parse_KnownName_ReturnsKind(string name, ExecutionProviderKind expected)
    {
        Assert.That(ExecutionProviders.Parse(name), Is.EqualTo(expected));
    }

    [Test]
    public void Parse_UnknownName_ThrowsListingValidNames()
    {
        var ex = Assert.Throws<InvalidInputException>(() => ExecutionProviders.Parse("dml"));
        Assert.That(ex!.Message, Does.Contain("cpu, cuda, tensorrt"));
    }

    [Test]
    public void EnsureAvailable_CudaMissing_ThrowsWithBuildHint()
    {
        var ex = Assert.Throws<ExecutionProviderException>(() =>
            ProviderSetup.EnsureAvailable(ExecutionProviderKind.Cuda, ["CPUExecutionProvider"], "unet/model.onnx"));
        Assert.That(ex!.Message, Does.Contain("CUDAExecutionProvider").And.Contain("-p:OrtFlavor=Gpu")
            .And.Contain("unet/model.onnx"));
        Assert.That(ex.ExitCode, Is.EqualTo(4));
    }

    [Test]
    public void EnsureAvailable_ProviderPresent_DoesNotThrow()
    {
        Assert.DoesNotThrow(() => ProviderSetup.EnsureAvailable(
            ExecutionProviderKind.TensorRt, ["TensorrtExecutionProvider", "CPUExecutionProvider"], "m.onnx"));
    }

    [Test]
    public void AvailableProviders_CpuBuild_ContainsCpu()
    {
        Assert.That(OrtEnvironment.AvailableProviders(), Does.Contain("CPUExecutionProvider"));
    }

    [TestCase(ExecutionProviderKind.Cuda)]
    [TestCase(ExecutionProviderKind.TensorRt)]
    [Category("Gpu")]
    public void Append_GpuProvider_WorksWhereAvailable(ExecutionProviderKind kind)
    {
        if (!OrtEnvironment.AvailableProviders().Contains(ExecutionProviders.OrtName(kind)))
        {
            Assert.Ignore($"{ExecutionProviders.OrtName(kind)} is not in this ONNX Runtime build.");
        }

        using var options = new SessionOptions();
        Assert.DoesNotThrow(() => ProviderSetup.Append(options, new SessionConfig { Provider = kind }, null, "m.onnx"));
    }

    [TestCase(ExecutionProviderKind.Cuda)]
    [TestCase(ExecutionProviderKind.TensorRt)]
    public void Append_GpuProviderOnCpuBuild_ThrowsExecutionProviderException(ExecutionProviderKind kind)
    {
        if (OrtEnvironment.AvailableProviders().Contains(ExecutionProviders.OrtName(kind)))
        {
            Assert.Ignore("This ONNX Runtime build has the provider; the CPU-build error path does not apply.");
        }

        using var options = new SessionOptions();
        var ex = Assert.Throws<ExecutionProviderException>(() =>
            ProviderSetup.Append(options, new SessionConfig { Provider = kind }, null, "x/model.onnx"));
        Assert.That(ex!.Code, Is.EqualTo("execution_provider"));
    }

    [Test]
    public void TensorRtOptions_AllSettings_MapToOrtKeys()
    {
        var settings = new TensorRtSettings
        {
            Fp16 = true, Int8 = false, EngineCacheDir = "/tmp/engines", TimingCacheDir = "/tmp/timing",
            MaxWorkspaceBytes = 4L << 30,
        };
        var profile = ShapeProfile.ForUNet(512, 512, 1, cfg: true);
        var options = ProviderSetup.TensorRtOptions(1, settings, profile);
        Assert.Multiple(() =>
        {
            Assert.That(options["device_id"], Is.EqualTo("1"));
            Assert.That(options["trt_fp16_enable"], Is.EqualTo("1"));
            Assert.That(options["trt_int8_enable"], Is.EqualTo("0"));
            Assert.That(options["trt_engine_cache_enable"], Is.EqualTo("1"));
            Assert.That(options["trt_engine_cache_path"], Is.EqualTo("/tmp/engines"));
            Assert.That(options["trt_timing_cache_path"], Is.EqualTo("/tmp/timing"));
            Assert.That(options["trt_max_workspace_size"], Is.EqualTo("4294967296"));
            Assert.That(options["trt_profile_opt_shapes"], Does.Contain("sample:2x4x64x64"));
        });
    }

    [Test]
    public void TensorRtOptions_NoCaches_OmitsCacheKeys()
    {
        var options = ProviderSetup.TensorRtOptions(0, new TensorRtSettings(), null);
        Assert.That(options.Keys, Has.None.Contains("cache").And.None.Contains("profile"));
    }
}
