using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Runtime.Onnx;
using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.Runtime.Rng;
using OnnxDiffusion.Runtime.Sampling;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Cli.Tests.Calibration;

/// <summary>One UNet call of a sampling run: the model input c_in·x <c>[1, 4, h, w]</c> and the timestep.</summary>
internal sealed record UNetCall(float[] Sample, float Timestep);

/// <summary>
/// The naive route: txt2img with the runtime's ordinary UNet (<see cref="OnnxUNetModel"/> over the package's
/// session, no probe), wrapped in a recorder that copies every call's inputs. The context is the text encoder's
/// output for the prompt and the negative prompt.
/// </summary>
internal static class SamplerRecording
{
    public static (List<UNetCall> Calls, float[] Context, long[] ContextShape, FloatTensor Final) Record(
        string package, string prompt, ulong seed, int steps, int size, double cfg = 8.0)
    {
        using var opened = DiffusionPackage.Open(package, new SessionConfig());
        var pipeline = new StableDiffusionPipeline(opened);
        (TextContext positive, TextContext negative) = TextContext.EqualizeLengths(
            pipeline.Conditioner.Encode(prompt), pipeline.Conditioner.Encode(string.Empty));
        var shape = new LatentShape(1, size / 8, size / 8);
        using var runner = opened.UNet();
        using var model = new OnnxUNetModel(runner, positive, negative, shape, opened.Prediction, opened.ModelSampling);
        var recorder = new Recorder(model);
        FloatTensor final = CommonKSampler.Sample(recorder,
            new LatentInput { Samples = new FloatTensor(1, 4, shape.Height, shape.Width) },
            new KSamplerOptions
            {
                Seed = seed, Steps = steps, Cfg = cfg, InitialNoise = RngKind.TorchCpu, StepNoise = RngKind.TorchCpu,
                LatentScaleFactor = opened.Manifest.LatentScale,
            });
        float[] context = [.. positive.Values, .. negative.Values];
        return (recorder.Calls, context, [2, positive.Tokens, positive.Dim], final);
    }

    private sealed class Recorder(IUNetModel inner) : IUNetModel
    {
        public List<UNetCall> Calls { get; } = [];

        public PredictionType Prediction => inner.Prediction;

        public IModelSampling ModelSampling => inner.ModelSampling;

        public void Predict(in UNetRequest request, Span<float> output)
        {
            Calls.Add(new UNetCall(request.Sample.ToArray(), request.Timestep));
            inner.Predict(request, output);
        }
    }
}
