namespace OnnxDiffusion.Runtime.Sampling.Schedules;

/// <summary>
/// The regularised incomplete beta function and its inverse, in float64, for <see cref="BetaSchedule"/>
/// (the role scipy.stats.beta.ppf plays in ComfyUI).
/// </summary>
internal static class BetaDistribution
{
    /// <summary>x with I_x(a, b) = p, by bisection to full double precision (I is monotone in x).</summary>
    public static double InverseCdf(double p, double a, double b)
    {
        if (p <= 0)
        {
            return 0;
        }

        if (p >= 1)
        {
            return 1;
        }

        double low = 0;
        double high = 1;
        for (int i = 0; i < 200 && high - low > 0; i++)
        {
            double mid = 0.5 * (low + high);
            if (mid <= low || mid >= high)
            {
                break;
            }

            if (Cdf(mid, a, b) < p)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return 0.5 * (low + high);
    }

    /// <summary>Regularised incomplete beta I_x(a, b).</summary>
    public static double Cdf(double x, double a, double b)
    {
        if (x <= 0)
        {
            return 0;
        }

        if (x >= 1)
        {
            return 1;
        }

        double logFront = (a * Math.Log(x)) + (b * Math.Log(1 - x)) - LogBeta(a, b);
        // The continued fraction converges fast for x < (a + 1)/(a + b + 2); use the symmetry otherwise.
        if (x < (a + 1) / (a + b + 2))
        {
            return Math.Exp(logFront) * ContinuedFraction(x, a, b) / a;
        }

        return 1 - (Math.Exp(logFront) * ContinuedFraction(1 - x, b, a) / b);
    }

    /// <summary>ln Γ by the Lanczos approximation (g = 7, 9 terms), accurate to about 1e-15 for x &gt; 0.</summary>
    public static double LogGamma(double x)
    {
        if (x < 0.5)
        {
            return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        }

        ReadOnlySpan<double> c =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7,
        ];
        x -= 1;
        double sum = c[0];
        for (int i = 1; i < c.Length; i++)
        {
            sum += c[i] / (x + i);
        }

        double t = x + 7.5;
        return (0.5 * Math.Log(2 * Math.PI)) + ((x + 0.5) * Math.Log(t)) - t + Math.Log(sum);
    }

    private static double LogBeta(double a, double b) => LogGamma(a) + LogGamma(b) - LogGamma(a + b);

    // Continued fraction for I_x(a, b) (DLMF 8.17.22), evaluated with the modified Lentz method.
    private static double ContinuedFraction(double x, double a, double b)
    {
        const double Tiny = 1e-300;
        double f = 1;
        double c = 1;
        double d = 0;
        for (int i = 0; i <= 400; i++)
        {
            int m = i / 2;
            double numerator;
            if (i == 0)
            {
                numerator = 1;
            }
            else if (i % 2 == 0)
            {
                numerator = m * (b - m) * x / ((a + (2.0 * m) - 1) * (a + (2.0 * m)));
            }
            else
            {
                numerator = -((a + m) * (a + b + m) * x) / ((a + (2.0 * m)) * (a + (2.0 * m) + 1));
            }

            d = 1 + (numerator * d);
            d = Math.Abs(d) < Tiny ? Tiny : d;
            d = 1 / d;
            c = 1 + (numerator / c);
            c = Math.Abs(c) < Tiny ? Tiny : c;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(1 - delta) < 1e-16)
            {
                break;
            }
        }

        return f - 1;
    }
}
