using Microsoft.ML.OnnxRuntime;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Runtime.Onnx;

namespace OnnxDiffusion.Runtime.Components;

/// <summary>
/// Runs a VAE half: the decoder maps <c>latent_sample</c> <c>[B, 4, h, w]</c> (unscaled latents) to
/// <c>sample</c> <c>[B, 3, 8h, 8w]</c> in −1..1; the encoder maps <c>sample</c> images in −1..1 to
/// <c>latent_sample</c> (the posterior mean, unscaled). Images go one at a time so a batch costs no more memory
/// than one image. Not thread-safe; does not own the session.
/// </summary>
public sealed class VaeRunner
{
    private readonly ModelSession _session;
    private readonly string _inputName;
    private readonly string _outputName;
    private readonly Microsoft.ML.OnnxRuntime.Tensors.TensorElementType _inputType;

    private VaeRunner(ModelSession session, string inputName, string outputName)
    {
        if (!session.Session.InputMetadata.TryGetValue(inputName, out var meta) ||
            !session.OutputNames.Contains(outputName))
        {
            throw new ModelFormatException($"{session.ModelPath} is not a VAE {(inputName == "sample" ? "encoder" : "decoder")} " +
                $"with '{inputName}' → '{outputName}' (inputs: {string.Join(", ", session.InputNames)}; outputs: " +
                $"{string.Join(", ", session.OutputNames)}).");
        }

        _session = session;
        _inputName = inputName;
        _outputName = outputName;
        _inputType = meta.ElementDataType;
    }

    /// <summary>A decoder runner (<c>latent_sample</c> → <c>sample</c>).</summary>
    public static VaeRunner Decoder(ModelSession session) => new(session, "latent_sample", "sample");

    /// <summary>An encoder runner (<c>sample</c> → <c>latent_sample</c>).</summary>
    public static VaeRunner Encoder(ModelSession session) => new(session, "sample", "latent_sample");

    /// <summary>Runs every batch item through the model and stacks the results.</summary>
    public FloatTensor Run(FloatTensor input, CancellationToken cancellationToken = default)
    {
        if (input.Rank != 4)
        {
            throw new ArgumentException($"VAE input must be [B, C, H, W], got {input.ShapeText}.", nameof(input));
        }

        int batch = input.Shape[0];
        int itemLength = input.Length / Math.Max(batch, 1);
        FloatTensor? result = null;
        for (int b = 0; b < batch; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var item = new FloatTensor([1, input.Shape[1], input.Shape[2], input.Shape[3]],
                input.Data.AsSpan(b * itemLength, itemLength).ToArray());
            using OrtValue value = OrtTensors.FromFloat(item, _inputType);
            FloatTensor one = RunOne(value, cancellationToken);
            result ??= new FloatTensor([batch, one.Shape[1], one.Shape[2], one.Shape[3]]);
            one.Data.CopyTo(result.Data.AsSpan(b * one.Length));
        }

        return result ?? throw new ArgumentException("VAE input has batch size 0.", nameof(input));
    }

    private FloatTensor RunOne(OrtValue value, CancellationToken cancellationToken)
    {
        // A 512² decode takes seconds: the token terminates the running evaluation (RunOptions.Terminate).
        using var runOptions = new RunOptions();
        using CancellationTokenRegistration link =
            cancellationToken.Register(static o => ((RunOptions)o!).Terminate = true, runOptions);
        try
        {
            using var outputs = _session.Session.Run(runOptions, [_inputName], [value], [_outputName]);
            return OrtTensors.ToFloat(outputs[0]);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }
}
