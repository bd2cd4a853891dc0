namespace OnnxDiffusion.Runtime.Sampling;

/// <summary>
/// Small numeric helpers that follow torch/numpy conventions where schedules depend on their rounding.
/// </summary>
internal static class TorchMath
{
    /// <summary>
    /// torch.linspace in float32: step = (end − start)/(n − 1); the first half is start + step·i and the second
    /// half end − step·(n − 1 − i), so both endpoints are exact.
    /// </summary>
    public static float[] LinspaceFloat(float start, float end, int count)
    {
        var values = new float[count];
        if (count == 1)
        {
            values[0] = start;
            return values;
        }

        float step = (end - start) / (count - 1);
        int halfway = count / 2;
        for (int i = 0; i < count; i++)
        {
            values[i] = i < halfway ? start + (step * i) : end - (step * (count - 1 - i));
        }

        return values;
    }

    /// <summary>torch.linspace in float64 (same two-sided formula).</summary>
    public static double[] LinspaceDouble(double start, double end, int count)
    {
        var values = new double[count];
        if (count == 1)
        {
            values[0] = start;
            return values;
        }

        double step = (end - start) / (count - 1);
        int halfway = count / 2;
        for (int i = 0; i < count; i++)
        {
            values[i] = i < halfway ? start + (step * i) : end - (step * (count - 1 - i));
        }

        return values;
    }

    /// <summary>e^x − 1 without cancellation for small |x|.</summary>
    public static double ExpM1(double x)
    {
        if (Math.Abs(x) < 1e-5)
        {
            return x * (1.0 + (x * (0.5 + (x / 6.0))));
        }

        return Math.Exp(x) - 1.0;
    }
}
