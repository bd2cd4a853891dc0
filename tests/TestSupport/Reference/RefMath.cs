namespace OnnxDiffusion.TestSupport.Reference;

/// <summary>Scalar special functions the BCL lacks, to double precision.</summary>
public static class RefMath
{
    /// <summary>
    /// The error function. |x| ≤ 2: Maclaurin series (terms stay below e⁴, so ~1e-15 absolute error);
    /// |x| &gt; 2: 1 − erfc(x) with erfc from its continued fraction (modified Lentz), exact to ~1e-16.
    /// </summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        double ax = Math.Abs(x);
        double result = ax <= 2 ? ErfSeries(ax) : 1 - ErfcContinuedFraction(ax);
        return x < 0 ? -result : result;
    }

    private static double ErfSeries(double x)
    {
        // erf(x) = 2/√π · Σ (−1)ⁿ x^(2n+1) / (n! (2n+1))
        double x2 = x * x;
        double term = x;
        double sum = x;
        for (int n = 1; n < 200; n++)
        {
            term *= -x2 / n;
            double contribution = term / ((2 * n) + 1);
            sum += contribution;
            if (Math.Abs(contribution) < 1e-18 * Math.Abs(sum))
            {
                break;
            }
        }

        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    private static double ErfcContinuedFraction(double x)
    {
        if (x > 27)
        {
            return 0;
        }

        // erfc(x) = exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))), evaluated by Lentz.
        const double Tiny = 1e-300;
        double f = x;
        double c = x;
        double d = 0;
        for (int n = 1; n < 500; n++)
        {
            double a = n / 2.0;
            d = x + (a * d);
            d = Math.Abs(d) < Tiny ? Tiny : d;
            c = x + (a / c);
            c = Math.Abs(c) < Tiny ? Tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
            {
                break;
            }
        }

        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }
}
