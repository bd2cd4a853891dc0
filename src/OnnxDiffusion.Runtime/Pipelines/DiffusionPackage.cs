using System.Diagnostics;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Runtime.Components;
using OnnxDiffusion.Runtime.Onnx;
using OnnxDiffusion.Runtime.Sampling;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Runtime.Pipelines;

/// <summary>
/// An opened model package (ours, or an optimum/OnnxStack export): its manifest, and one ORT session per
/// component created on first use and kept for the package's lifetime. Owns the sessions. Not thread-safe.
/// </summary>
public sealed class DiffusionPackage : IDisposable
{
    private readonly Dictionary<string, ModelSession> _sessions = new(StringComparer.Ordinal);

    private DiffusionPackage(PackageLayout layout, PackageManifest manifest, SessionConfig config)
    {
        Layout = layout;
        Manifest = manifest;
        Config = config;
        ModelSampling = new ModelSamplingDiscrete();
    }

    /// <summary>Package paths.</summary>
    public PackageLayout Layout { get; }

    /// <summary>What the package holds (inferred defaults for packages from other tools).</summary>
    public PackageManifest Manifest { get; }

    /// <summary>Session settings every component uses.</summary>
    public SessionConfig Config { get; }

    /// <summary>The discrete noise schedule (SD1.x: scaled-linear betas 0.00085..0.012, 1000 steps).</summary>
    public IModelSampling ModelSampling { get; }

    /// <summary>ε or v prediction, from the manifest.</summary>
    public PredictionType Prediction =>
        Manifest.PredictionType == "v_prediction" ? PredictionType.VPrediction : PredictionType.Epsilon;

    /// <summary>Per-component session load times, in load order.</summary>
    public IReadOnlyDictionary<string, TimeSpan> LoadTimes =>
        _sessions.ToDictionary(kv => kv.Key, kv => kv.Value.LoadTime, StringComparer.Ordinal);

    /// <summary>Opens <paramref name="root"/> (checks the required components exist; loads nothing yet).</summary>
    public static DiffusionPackage Open(string root, SessionConfig config)
    {
        var layout = PackageLayout.Open(root);
        return new DiffusionPackage(layout, layout.LoadManifest(), config);
    }

    /// <summary>The session of <paramref name="component"/> (a <see cref="PackageLayout"/> folder name).</summary>
    public ModelSession Session(string component)
    {
        if (!_sessions.TryGetValue(component, out var session))
        {
            ShapeProfile? profile = null;
            session = ModelSession.Create(Layout.ModelPath(component), Config, profile);
            _sessions[component] = session;
        }

        return session;
    }

    /// <summary>A text-encoder runner.</summary>
    public TextEncoderRunner TextEncoder() => new(Session(PackageLayout.TextEncoder));

    /// <summary>A new UNet runner (owns its bindings; dispose it after the generation).</summary>
    public UNetRunner UNet() => new(Session(PackageLayout.UNet));

    /// <summary>A VAE decoder runner.</summary>
    public VaeRunner VaeDecoder() => VaeRunner.Decoder(Session(PackageLayout.VaeDecoder));

    /// <summary>A VAE encoder runner (img2img, inpainting).</summary>
    /// <exception cref="Core.Errors.InvalidInputException">The package has no vae_encoder.</exception>
    public VaeRunner VaeEncoder()
    {
        if (!File.Exists(Layout.ModelPath(PackageLayout.VaeEncoder)))
        {
            throw new Core.Errors.InvalidInputException(
                $"{Layout.Root} has no vae_encoder/model.onnx, which img2img and inpainting need. Re-convert the checkpoint.");
        }

        return VaeRunner.Encoder(Session(PackageLayout.VaeEncoder));
    }

    /// <summary>Times <paramref name="action"/> (for per-component summaries).</summary>
    public static TimeSpan Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var session in _sessions.Values)
        {
            session.Dispose();
        }

        _sessions.Clear();
    }
}
