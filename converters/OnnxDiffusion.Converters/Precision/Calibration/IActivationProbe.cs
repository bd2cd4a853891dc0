using OnnxDiffusion.Graph;

namespace OnnxDiffusion.Converters.Precision.Calibration;

/// <summary>
/// Runs a model on calibration samples and shows intermediate tensors to an observer. Converters never reference
/// ONNX Runtime, so this is the seam: the Runtime layer implements it (for the UNet by running the fp32 pipeline
/// over prompts × seeds × timesteps of the real sampling trajectory), tests implement it with ORT directly. The
/// probe owns its samples, so the same probe serves INT8 calibration (on the fp32 model) and the FP16 overflow
/// check (on trial fp16 models).
/// </summary>
public interface IActivationProbe
{
    /// <summary>
    /// Runs <paramref name="model"/> once per calibration sample and, for every sample, reports each tensor named in
    /// <paramref name="tensorNames"/> (node outputs or graph inputs of type float or float16) to
    /// <paramref name="observer"/>. Values are given as float32 (float16 widened; inf and NaN preserved). The
    /// model must not be mutated. Tensors that the run does not produce are skipped.
    /// </summary>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> is cancelled.</exception>
    void Run(OnnxModel model, IReadOnlyCollection<string> tensorNames, IActivationObserver observer,
        CancellationToken cancellationToken = default);
}

/// <summary>Receives tensor values from an <see cref="IActivationProbe"/>.</summary>
public interface IActivationObserver
{
    /// <summary>
    /// One tensor of one sample. <paramref name="values"/> is only valid during the call (copy what you keep).
    /// </summary>
    /// <param name="sample">0-based index of the calibration sample.</param>
    /// <param name="tensorName">The value's name in the graph.</param>
    /// <param name="values">All elements, in C order, as float32.</param>
    void Observe(int sample, string tensorName, ReadOnlySpan<float> values);
}
