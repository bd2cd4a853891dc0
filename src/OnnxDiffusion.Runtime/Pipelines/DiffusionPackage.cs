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
    private readonly Dictionary<string, TimeSpan> _loadTimes = new(StringComparer.Ordinal);

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

    /// <summary>Per-component session load times (the latest load of each, released sessions included).</summary>
    public IReadOnlyDictionary<string, TimeSpan> LoadTimes => _loadTimes;

    /// <summary>Opens <paramref name="root"/> (checks the required components exist; loads nothing yet).</summary>
    public static DiffusionPackage Open(string root, SessionConfig config)
    {
        var layout = PackageLayout.Open(root);
        return new DiffusionPackage(layout, layout.LoadManifest(), config);
    }

    /// <summary>The session of <paramref name="component"/> (a <see cref="PackageLayout"/> folder name).</summary>
    /// <exception cref="Core.Errors.InvalidInputException">The manifest says the package lacks the component.
    /// </exception>
    public ModelSession Session(string component)
    {
        if (!_sessions.TryGetValue(component, out var session))
        {
            if (!Manifest.HasComponent(component))
            {
                throw new Core.Errors.InvalidInputException(
                    $"{Layout.Root} is a {Manifest.Family} package holding only " +
                    $"{string.Join(", ", Manifest.Components ?? [])}; it has no {component}. Use it as a VAE " +
                    "with VAELoader next to a full checkpoint.");
            }

            ShapeProfile? profile = null;
            session = ModelSession.Create(Layout.ModelPath(component), Config, profile);
            _sessions[component] = session;
            _loadTimes[component] = session.LoadTime;
        }

        return session;
    }

    /// <summary>Whether the session of <paramref name="component"/> is currently loaded.</summary>
    public bool IsLoaded(string component) => _sessions.ContainsKey(component);

    /// <summary>
    /// Disposes the session of <paramref name="component"/> if it is loaded (runners over it become unusable);
    /// the next <see cref="Session"/> call loads it again.
    /// </summary>
    public void Release(string component)
    {
        if (_sessions.Remove(component, out ModelSession? session))
        {
            session.Dispose();
        }
    }

    /// <summary><see cref="Release"/> when <see cref="SessionConfig.ReleaseAfterUse"/> is set; returns whether it did.</summary>
    public bool ReleaseAfterUse(string component)
    {
        if (!Config.ReleaseAfterUse)
        {
            return false;
        }

        Release(component);
        return true;
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
