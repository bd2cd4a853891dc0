using OnnxDiffusion.Converters.Precision.Calibration;
using OnnxDiffusion.Graph;

namespace OnnxDiffusion.Converters.Tests.Precision;

/// <summary>
/// The test implementation of <see cref="IActivationProbe"/>: exposes the requested tensors as extra graph outputs
/// and runs the model on ORT CPU once per sample (what the Runtime layer will do for real pipelines). It runs at
/// ORT_DISABLE_ALL: ORT's CPU provider computes most fp16 ops in fp32 between inserted Casts and, when optimizing,
/// removes Cast pairs, which would hide fp16 overflow; unoptimized, every fp16 rounding point is kept.
/// </summary>
internal sealed class OrtActivationProbe(IReadOnlyList<IReadOnlyDictionary<string, Tensor>> samples) : IActivationProbe
{
    public int Runs { get; private set; }

    public void Run(OnnxModel model, IReadOnlyCollection<string> tensorNames, IActivationObserver observer,
        CancellationToken cancellationToken = default)
    {
        var wanted = new HashSet<string>(tensorNames);
        for (int s = 0; s < samples.Count; s++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Runs++;
            Dictionary<string, float[]> outputs = OrtHarness.Run(model, samples[s], tensorNames,
                Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_DISABLE_ALL);
            foreach ((string name, Tensor input) in samples[s])
            {
                if (wanted.Contains(name) && input.Data is float[] f)
                {
                    observer.Observe(s, name, f);
                }
            }

            foreach ((string name, float[] values) in outputs)
            {
                if (wanted.Contains(name))
                {
                    observer.Observe(s, name, values);
                }
            }
        }
    }
}
