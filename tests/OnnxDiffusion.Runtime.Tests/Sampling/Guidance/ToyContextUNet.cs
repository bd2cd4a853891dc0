using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.Runtime.Sampling;
using OnnxDiffusion.Runtime.Sampling.Guidance;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Runtime.Tests.Sampling.Guidance;

/// <summary>
/// A closed-form "UNet" whose prediction depends on the sample, on the mean of the row's context and on the
/// position inside the (possibly cropped) latent it is given:
/// ε[c, y, x] = 0.3·s + mean(context)·(1 + 0.1·c) + 0.01·(y·w + x), with w the width of the call's latent.
/// Records every prepared call and every prediction. Also an <see cref="IUNetModel"/> with bound positive and
/// negative contexts, for comparing against <see cref="CfgDenoiser"/>.
/// </summary>
internal sealed class ToyContextUNet : IContextUNetModel, IUNetModel
{
    private readonly List<PreparedCall> _prepared = [];
    private readonly TextContext? _boundPositive;
    private readonly TextContext? _boundNegative;

    public ToyContextUNet(TextContext? boundPositive = null, TextContext? boundNegative = null, int sizeMultiple = 1)
    {
        SizeMultiple = sizeMultiple;
        _boundPositive = boundPositive;
        _boundNegative = boundNegative;
    }

    public PredictionType Prediction => PredictionType.Epsilon;

    public IModelSampling ModelSampling => ModelSamplingDiscrete.Default;

    public int SizeMultiple { get; }

    public IReadOnlyList<PreparedCall> Prepared => _prepared;

    /// <summary>Ids of the calls run, in order.</summary>
    public List<int> Runs { get; } = new(4096);

    public static double Epsilon(double sample, double contextMean, int c, int y, int x, int width) =>
        (0.3 * sample) + (contextMean * (1 + (0.1 * c))) + (0.01 * ((y * width) + x));

    public static double Mean(TextContext context) => context.Values.Select(v => (double)v).Average();

    public int Prepare(IReadOnlyList<TextContext> contexts, int batch, int height, int width)
    {
        _prepared.Add(new PreparedCall(contexts.ToArray(), batch, height, width, contexts.Select(Mean).ToArray()));
        return _prepared.Count - 1;
    }

    public void Predict(int call, ReadOnlySpan<float> sample, float timestep, Span<float> output)
    {
        PreparedCall p = _prepared[call];
        Run(sample, p.Means, p.Batch, p.Height, p.Width, output);
        Runs.Add(call);
    }

    public void Predict(in UNetRequest request, Span<float> output)
    {
        int batch = request.Shape[0], height = request.Shape[2], width = request.Shape[3];
        int n = request.Sample.Length;
        Run(request.Sample, [Mean(_boundPositive!)], batch, height, width, output[..n]);
        if (request.WithNegative)
        {
            Run(request.Sample, [Mean(_boundNegative!)], batch, height, width, output.Slice(n, n));
        }
    }

    private static void Run(
        ReadOnlySpan<float> sample, double[] means, int batch, int height, int width, Span<float> output)
    {
        int plane = height * width;
        int rowLength = 4 * plane;
        for (int block = 0; block < means.Length; block++)
        {
            for (int b = 0; b < batch; b++)
            {
                int row = (block * batch) + b;
                for (int i = 0; i < rowLength; i++)
                {
                    int c = i / plane, y = i % plane / width, x = i % width;
                    int at = (row * rowLength) + i;
                    output[at] = (float)Epsilon(sample[at % sample.Length], means[block], c, y, x, width);
                }
            }
        }
    }

    internal sealed record PreparedCall(TextContext[] Contexts, int Batch, int Height, int Width, double[] Means);
}
