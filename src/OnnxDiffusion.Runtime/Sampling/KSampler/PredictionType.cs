namespace OnnxDiffusion.Runtime.Sampling.KSampler;

/// <summary>What the UNet predicts (ComfyUI <c>model_sampling</c> EPS / V_PREDICTION).</summary>
public enum PredictionType
{
    /// <summary>The added noise ε (SD1.x, SD2.x base, SDXL): D = x − σ·ε̂.</summary>
    Epsilon = 0,

    /// <summary>v = α·ε − σ_vp·x₀ (SD2.x 768-v): D = x/(σ²+1) − v̂·σ/√(σ²+1).</summary>
    VPrediction = 1,
}
