namespace OnnxDiffusion.Runtime.Sampling.KSampler;

/// <summary>
/// The diffusion model as the KSampler sees it: a UNet (or any noise predictor) that already holds its positive
/// and negative conditioning (text embeddings bound once, e.g. with ORT IOBinding) and predicts ε or v for a
/// scaled latent batch. The ONNX implementation lives with the pipelines; tests use analytic models.
/// </summary>
public interface IUNetModel
{
    /// <summary>What <see cref="Predict"/> returns.</summary>
    PredictionType Prediction { get; }

    /// <summary>The model's noise schedule (σ table and σ ↔ timestep maps).</summary>
    IModelSampling ModelSampling { get; }

    /// <summary>
    /// Predicts the model output for <paramref name="request"/> into <paramref name="output"/>, which holds
    /// <c>Sample.Length</c> values, or twice that (positive then negative) when <see cref="UNetRequest.WithNegative"/>.
    /// </summary>
    void Predict(in UNetRequest request, Span<float> output);
}
