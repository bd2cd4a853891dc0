namespace OnnxDiffusion.Runtime.Sampling.Samplers;

/// <summary>Gaussian elimination with partial pivoting for the tiny (≤ 3×3) systems of UniPC.</summary>
internal static class SmallLinearSolver
{
    private const int Max = 4;

    /// <summary>
    /// Solves the leading <paramref name="n"/>×<paramref name="n"/> block of a row-major matrix with row stride
    /// <paramref name="stride"/> against rhs[0..n) into result[0..n).
    /// </summary>
    /// <exception cref="InvalidOperationException">The block is singular.</exception>
    public static void Solve(double[] matrix, int stride, int n, double[] rhs, double[] result)
    {
        Span<double> a = stackalloc double[Max * Max];
        Span<double> b = stackalloc double[Max];
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++)
            {
                a[(r * Max) + c] = matrix[(r * stride) + c];
            }

            b[r] = rhs[r];
        }

        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < n; r++)
            {
                if (Math.Abs(a[(r * Max) + col]) > Math.Abs(a[(pivot * Max) + col]))
                {
                    pivot = r;
                }
            }

            if (a[(pivot * Max) + col] == 0)
            {
                throw new InvalidOperationException("UniPC coefficient matrix is singular (repeated σ values?).");
            }

            SwapRows(a, b, col, pivot);
            for (int r = col + 1; r < n; r++)
            {
                double f = a[(r * Max) + col] / a[(col * Max) + col];
                for (int c = col; c < n; c++)
                {
                    a[(r * Max) + c] -= f * a[(col * Max) + c];
                }

                b[r] -= f * b[col];
            }
        }

        for (int r = n - 1; r >= 0; r--)
        {
            double sum = b[r];
            for (int c = r + 1; c < n; c++)
            {
                sum -= a[(r * Max) + c] * result[c];
            }

            result[r] = sum / a[(r * Max) + r];
        }
    }

    private static void SwapRows(Span<double> a, Span<double> b, int i, int j)
    {
        if (i == j)
        {
            return;
        }

        for (int c = 0; c < Max; c++)
        {
            (a[(i * Max) + c], a[(j * Max) + c]) = (a[(j * Max) + c], a[(i * Max) + c]);
        }

        (b[i], b[j]) = (b[j], b[i]);
    }
}
