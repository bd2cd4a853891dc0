using System.Numerics.Tensors;

namespace OnnxDiffusion.Runtime.Sampling.Samplers;

/// <summary>
/// UniPC multistep predictor–corrector (Zhao et al. 2023, "UniPC: A Unified Predictor-Corrector Framework",
/// UniP/UniC with the B(h) = h (bh1) and B(h) = e^h − 1 (bh2) choices), behaving as ComfyUI's
/// <c>comfy/extra_samplers/uni_pc.py</c> <c>sample_unipc</c>: data prediction in VP space (α = 1/√(1+σ²),
/// σ_vp = σ·α, λ = −ln σ); the final σ = 0 replaced by 0.001; order = min(3, σ count − 2), lowered on the first
/// steps and on the last steps; the corrector after every update except the last; the result divided by
/// α(σ_last). ComfyUI's model wrapper turns D into ε and back; that round trip is the identity, so the data
/// prediction here is D(x_vp·√(1+σ²), σ) directly. Step coefficients are float64. One instance per run.
/// </summary>
internal sealed class UniPcSolver : IDisposable
{
    private const double FinalSigma = 0.001;
    private const int MaxOrder = 3;

    private readonly SamplingContext _context;
    private readonly bool _bh2;
    private readonly ScratchBuffers _scratch;
    private readonly int[] _ring = [0, 1, 2];   // scratch slots of the stored model outputs, oldest first
    private readonly double[] _ringTimes = new double[MaxOrder];
    private readonly double[] _rks = new double[MaxOrder];
    private readonly double[] _rhosPredictor = new double[MaxOrder];
    private readonly double[] _rhosCorrector = new double[MaxOrder];
    private readonly double[] _matrix = new double[MaxOrder * MaxOrder];
    private readonly double[] _rhs = new double[MaxOrder];
    private readonly double[] _blend = new double[MaxOrder];
    private int _count;
    private int _free = MaxOrder; // slot receiving the next model output
    private double _scale;        // σ_vp(t)/σ_vp(t_prev)
    private double _phiTerm;      // −α_t·hφ₁(h), the coefficient of the newest model output
    private double _gainB;        // α_t·B(h)

    private UniPcSolver(SamplingContext context, int length, bool bh2)
    {
        _context = context;
        _bh2 = bh2;
        _scratch = new ScratchBuffers(length, MaxOrder + 3);
    }

    private Span<float> Input => _scratch[MaxOrder + 1];

    private Span<float> Predicted => _scratch[MaxOrder + 2];

    /// <summary>Samples in place (k-diffusion space in and out).</summary>
    public static void Run(SamplingContext context, Span<float> x, bool bh2)
    {
        ArgumentNullException.ThrowIfNull(context);
        ReadOnlySpan<float> sigmas = context.Sigmas;
        if (sigmas.Length < 2)
        {
            return;
        }

        var times = new double[sigmas.Length];
        for (int i = 0; i < times.Length; i++)
        {
            times[i] = sigmas[i];
        }

        times[^1] = times[^1] == 0 ? FinalSigma : times[^1];
        using var solver = new UniPcSolver(context, x.Length, bh2);
        TensorPrimitives.Divide(x, MathF.Sqrt(1f + (sigmas[0] * sigmas[0])), x);
        solver.Loop(x, times);
        TensorPrimitives.Multiply(x, (float)Math.Sqrt(1 + (times[^1] * times[^1])), x);
    }

    public void Dispose() => _scratch.Dispose();

    private void Loop(Span<float> x, double[] times)
    {
        int steps = times.Length - 1;
        int order = Math.Min(MaxOrder, times.Length - 2);
        EvaluateModel(x, times[0]);
        Push(times[0]);
        _context.Report(0, x, Model(0));
        for (int k = 1; k <= steps && order >= 1; k++)
        {
            int stepOrder = k < order ? k : Math.Min(order, steps + 1 - k);
            bool corrector = k < steps;
            Update(x, times[k], stepOrder, corrector);
            if (corrector)
            {
                Push(times[k]);
            }

            if (k < steps - 1 || k == steps)
            {
                _context.Report(Math.Min(k, steps - 1), x, Model(0));
            }
        }
    }

    /// <summary>One UniP (+ UniC) update from the newest stored time to <paramref name="t"/>.</summary>
    private void Update(Span<float> x, double t, int order, bool corrector)
    {
        ComputeCoefficients(t, order);
        double predictorT = SetBlend(_rhosPredictor, order, includeNew: false);
        Blend(Predicted, x, order, predictorT);
        if (!corrector)
        {
            Predicted.CopyTo(x);
            return;
        }

        EvaluateModel(Predicted, t);
        double correctorT = SetBlend(_rhosCorrector, order, includeNew: true);
        Blend(x, x, order, correctorT);
    }

    /// <summary>
    /// Coefficients of x_t = A·x − α·hφ₁·m₀ − α·B(h)·(Σₖ ρₖ·(mₖ − m₀)/rₖ + ρ_t·(m_t − m₀)) as weights on
    /// m₀ … m_{order−1} (into <see cref="_blend"/>); returns the weight of the new output m_t.
    /// </summary>
    private double SetBlend(double[] rhos, int order, bool includeNew)
    {
        bool usesDifferences = includeNew || order >= 2;
        _blend[0] = _phiTerm;
        for (int k = 1; k < order; k++)
        {
            _blend[k] = usesDifferences ? -_gainB * rhos[k - 1] / _rks[k - 1] : 0;
            _blend[0] -= _blend[k];
        }

        double weightNew = includeNew ? -_gainB * rhos[order - 1] : 0;
        _blend[0] -= weightNew;
        return weightNew;
    }

    private void Blend(Span<float> destination, ReadOnlySpan<float> x, int order, double weightNew)
    {
        TensorPrimitives.Multiply(x, (float)_scale, destination);
        for (int k = 0; k < order; k++)
        {
            TensorPrimitives.MultiplyAdd(Model(k), (float)_blend[k], destination, destination);
        }

        if (weightNew != 0)
        {
            TensorPrimitives.MultiplyAdd(_scratch[_free], (float)weightNew, destination, destination);
        }
    }

    private void ComputeCoefficients(double t, int order)
    {
        double tPrevious = _ringTimes[_count - 1];
        double h = Math.Log(tPrevious) - Math.Log(t); // λ_t − λ_prev with λ = −ln σ
        for (int i = 1; i < order; i++)
        {
            _rks[i - 1] = (Math.Log(tPrevious) - Math.Log(_ringTimes[_count - 1 - i])) / h;
        }

        _rks[order - 1] = 1;
        double hh = -h;
        double hPhi1 = TorchMath.ExpM1(hh);
        double hPhiK = (hPhi1 / hh) - 1;
        double factorial = 1;
        double bh = _bh2 ? TorchMath.ExpM1(hh) : hh;
        for (int i = 1; i <= order; i++)
        {
            for (int j = 0; j < order; j++)
            {
                _matrix[((i - 1) * order) + j] = Math.Pow(_rks[j], i - 1);
            }

            _rhs[i - 1] = hPhiK * factorial / bh;
            factorial *= i + 1;
            hPhiK = (hPhiK / hh) - (1 / factorial);
        }

        _rhosPredictor[0] = 0.5; // ComfyUI's simplified order-2 predictor
        if (order > 2)
        {
            SmallLinearSolver.Solve(_matrix, order, order - 1, _rhs, _rhosPredictor);
        }

        _rhosCorrector[0] = 0.5; // ComfyUI's simplified order-1 corrector
        if (order > 1)
        {
            SmallLinearSolver.Solve(_matrix, order, order, _rhs, _rhosCorrector);
        }

        double alphaT = 1 / Math.Sqrt(1 + (t * t));
        double sigmaVpPrevious = tPrevious / Math.Sqrt(1 + (tPrevious * tPrevious));
        _scale = t * alphaT / sigmaVpPrevious;
        _phiTerm = -alphaT * hPhi1;
        _gainB = alphaT * bh;
    }

    /// <summary>m_k: k = 0 is the newest stored model output.</summary>
    private Span<float> Model(int k) => _scratch[_ring[_count - 1 - k]];

    /// <summary>Data prediction D(x_vp·√(1+σ²), σ) into the free slot.</summary>
    private void EvaluateModel(ReadOnlySpan<float> xVp, double t)
    {
        float sigma = (float)t;
        TensorPrimitives.Multiply(xVp, MathF.Sqrt((sigma * sigma) + 1f), Input);
        _context.Denoise(Input, sigma, _scratch[_free]);
    }

    /// <summary>Stores the free slot as the newest model output at time <paramref name="t"/>.</summary>
    private void Push(double t)
    {
        if (_count < MaxOrder)
        {
            (_ring[_count], _free) = (_free, _ring[_count]);
            _ringTimes[_count++] = t;
            return;
        }

        int evicted = _ring[0];
        for (int i = 0; i < MaxOrder - 1; i++)
        {
            _ring[i] = _ring[i + 1];
            _ringTimes[i] = _ringTimes[i + 1];
        }

        _ring[MaxOrder - 1] = _free;
        _ringTimes[MaxOrder - 1] = t;
        _free = evicted;
    }
}
