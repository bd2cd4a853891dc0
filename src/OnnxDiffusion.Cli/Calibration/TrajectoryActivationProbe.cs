using OnnxDiffusion.Converters.Precision.Calibration;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Runtime.Calibration;

namespace OnnxDiffusion.Cli.Calibration;

/// <summary>
/// The converters' <see cref="IActivationProbe"/> seam implemented with the runtime's
/// <see cref="TrajectoryCalibrator"/> (it lives here because only the CLI layer sees both Converters and
/// Runtime): the UNet is probed over the real sampling trajectory (prompts × seeds × steps), the text encoder on
/// the prompts' token ids, the VAE decoder on the runs' final latents and the VAE encoder on the decoded images.
/// Values stream straight into the observer (e.g. an <see cref="ActivationStatisticsBuilder"/>); nothing is kept.
/// The calibrator is not owned.
/// </summary>
public sealed class TrajectoryActivationProbe : IActivationProbe
{
    private readonly TrajectoryCalibrator _calibrator;

    /// <summary>A probe for <paramref name="component"/> (a <see cref="PackageLayout"/> folder name).</summary>
    /// <exception cref="ArgumentException">For a component without a calibration route.</exception>
    public TrajectoryActivationProbe(TrajectoryCalibrator calibrator, string component)
    {
        ArgumentNullException.ThrowIfNull(calibrator);
        if (!PackageLayout.Components.Contains(component))
        {
            throw new ArgumentException($"No calibration route for component '{component}'.", nameof(component));
        }

        _calibrator = calibrator;
        Component = component;
    }

    /// <summary>The component this probe runs.</summary>
    public string Component { get; }

    /// <summary>One probe per package component, all sharing <paramref name="calibrator"/>.</summary>
    public static IReadOnlyDictionary<string, IActivationProbe> ForAllComponents(TrajectoryCalibrator calibrator) =>
        PackageLayout.Components.ToDictionary(c => c, c => (IActivationProbe)new TrajectoryActivationProbe(
            calibrator, c), StringComparer.Ordinal);

    /// <inheritdoc />
    public void Run(OnnxModel model, IReadOnlyCollection<string> tensorNames, IActivationObserver observer,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(observer);
        ActivationCallback visit = observer.Observe;
        switch (Component)
        {
            case PackageLayout.UNet:
                _calibrator.ProbeUNet(model, tensorNames, visit, cancellationToken);
                break;
            case PackageLayout.TextEncoder:
                _calibrator.ProbeTextEncoder(model, tensorNames, visit, cancellationToken);
                break;
            case PackageLayout.VaeDecoder:
                _calibrator.ProbeVaeDecoder(model, tensorNames, visit, cancellationToken);
                break;
            default:
                _calibrator.ProbeVaeEncoder(model, tensorNames, visit, cancellationToken);
                break;
        }
    }
}
