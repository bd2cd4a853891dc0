using OnnxDiffusion.Converters.Precision.Calibration;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Passes;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Converters.Precision.Fp16;

/// <summary>
/// The FP16 overflow check: converts a copy of the fp32 model, runs it on the probe's calibration samples, finds
/// the nodes that produce inf/NaN from finite inputs (for a boundary Cast to fp16 that overflows, the nodes reading
/// it), adds them to the fp32 set and repeats until a trial is clean, nothing new is found, or the round limit is
/// reached. The input model is not modified.
/// </summary>
internal static class Fp16OverflowCheck
{
    public static IReadOnlySet<string> FindFp32Nodes(OnnxModel fp32Model, Fp16Options options,
        IActivationProbe probe, PassReport report, CancellationToken cancellationToken)
    {
        var keep = new HashSet<string>(StringComparer.Ordinal);
        _ = new GraphIndex(fp32Model); // names unnamed nodes so trial copies share node names with the original
        for (int round = 1; round <= options.MaxOverflowRounds; round++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var trial = new OnnxModel(fp32Model.Proto.Clone(), fp32Model.Initializers);
            Fp16ConversionPass.Convert(trial, options, keep, null);
            HashSet<string> offenders = Offenders(trial, probe, cancellationToken);
            report.Increment("overflow rounds");
            if (offenders.Count == 0)
            {
                return keep;
            }

            int before = keep.Count;
            keep.UnionWith(offenders);
            report.Increment("nodes moved to fp32 (overflow)", keep.Count - before);
            if (keep.Count == before)
            {
                report.Note($"overflow persists in {string.Join(", ", offenders.Order(StringComparer.Ordinal))} " +
                    "even in fp32; the fp32 model itself overflows on these samples");
                return keep;
            }
        }

        report.Note($"overflow check stopped after {options.MaxOverflowRounds} rounds; raise MaxOverflowRounds");
        return keep;
    }

    /// <summary>Names of original nodes to move to fp32 so the non-finite values found in this trial
    /// disappear.</summary>
    private static HashSet<string> Offenders(OnnxModel trial, IActivationProbe probe, CancellationToken token)
    {
        var index = new GraphIndex(trial);
        var tensors = new List<string>();
        foreach (NodeProto node in index.Nodes)
        {
            tensors.AddRange(node.Output.Where(o => index.TypeOf(o) is ElementType.Float or ElementType.Float16));
        }

        var observer = new NonFiniteObserver();
        probe.Run(trial, tensors, observer, token);
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (HashSet<string> bad in observer.BySample.Values)
        {
            foreach (NodeProto node in index.Nodes)
            {
                if (node.Output.Any(bad.Contains) && !node.Input.Any(bad.Contains))
                {
                    AddOriginal(index, node, result);
                }
            }
        }

        return result;
    }

    private static void AddOriginal(GraphIndex index, NodeProto node, HashSet<string> result)
    {
        if (node.OpType == "Cast" && node.Name.Contains(Fp16Rewriter.NarrowCastSuffix, StringComparison.Ordinal))
        {
            // The fp32 value is fine but does not fit fp16: its readers must take it in fp32.
            foreach ((NodeProto reader, _) in index.Consumers(node.Output[0]))
            {
                result.Add(reader.Name);
            }

            return;
        }

        result.Add(node.Name);
    }

    private sealed class NonFiniteObserver : IActivationObserver
    {
        public Dictionary<int, HashSet<string>> BySample { get; } = [];

        public void Observe(int sample, string tensorName, ReadOnlySpan<float> values)
        {
            foreach (float v in values)
            {
                if (!float.IsFinite(v))
                {
                    if (!BySample.TryGetValue(sample, out HashSet<string>? set))
                    {
                        BySample[sample] = set = new HashSet<string>(StringComparer.Ordinal);
                    }

                    set.Add(tensorName);
                    return;
                }
            }
        }
    }
}
