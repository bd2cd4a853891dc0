using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Passes;

namespace OnnxDiffusion.Converters.Precision.Int8;

/// <summary>
/// A pass that needs activation statistics. Before running it, a converter asks every calibrated pass of the
/// pipeline which tensors of the fp32 graph it needs, gathers their statistics once through an
/// <c>IActivationProbe</c> (or reads them from a statistics file), and builds the pipeline with them.
/// </summary>
public interface ICalibratedPass : IGraphPass
{
    /// <summary>Names of the fp32-graph tensors whose statistics this pass would use on <paramref
    /// name="model"/>.</summary>
    IReadOnlyCollection<string> CalibrationTensors(OnnxModel model);
}
