namespace OnnxDiffusion.Graph.Ops;

/// <summary>Shape arithmetic shared by the op methods. Returns null where a rule is violated.</summary>
internal static class ShapeInference
{
    /// <summary>Multidirectional (numpy) broadcasting of two shapes; null when two fixed dims clash.</summary>
    public static TensorShape? Broadcast(TensorShape a, TensorShape b)
    {
        int rank = Math.Max(a.Rank, b.Rank);
        var dims = new Dim[rank];
        for (int i = 0; i < rank; i++)
        {
            Dim? da = i < rank - a.Rank ? (Dim?)null : a[i - (rank - a.Rank)];
            Dim? db = i < rank - b.Rank ? (Dim?)null : b[i - (rank - b.Rank)];
            Dim? merged = BroadcastDim(da, db);
            if (merged is null)
            {
                return null;
            }

            dims[i] = merged.Value;
        }

        return new TensorShape(dims);
    }

    private static Dim? BroadcastDim(Dim? a, Dim? b)
    {
        if (a is null || b is null)
        {
            return a ?? b;
        }

        Dim x = a.Value;
        Dim y = b.Value;
        if (IsOne(x))
        {
            return y;
        }

        if (IsOne(y) || x.KnownEquals(y))
        {
            return x;
        }

        if (x.IsStatic && y.IsStatic)
        {
            return null;
        }

        // A fixed size > 1 wins over a name or unknown (the name must equal it at run time for the graph to run).
        if (x.IsStatic)
        {
            return x;
        }

        return y.IsStatic ? y : Dim.Unknown;
    }

    private static bool IsOne(Dim d) => d.IsStatic && d.Value == 1;

    /// <summary>Merges two dims that must be equal; null on a fixed-size clash.</summary>
    public static Dim? Unify(Dim a, Dim b)
    {
        if (a.KnownDiffers(b))
        {
            return null;
        }

        if (a.IsStatic || (a.IsSymbolic && !b.IsStatic))
        {
            return a;
        }

        return b;
    }

    /// <summary>Product of dims when all are fixed, else null.</summary>
    public static long? Product(IEnumerable<Dim> dims)
    {
        long n = 1;
        foreach (Dim d in dims)
        {
            if (!d.IsStatic)
            {
                return null;
            }

            n = checked(n * d.Value);
        }

        return n;
    }

    /// <summary>
    /// Output shape of Reshape (allowzero = 0) given the target as dims (fixed numbers, names from Shape(x), or
    /// unknown; -1 is passed as <see cref="Dim.Unknown"/> flagged by <paramref name="inferIndex"/>).
    /// </summary>
    public static TensorShape? Reshape(TensorShape input, Dim[] target, int inferIndex)
    {
        var dims = (Dim[])target.Clone();
        for (int i = 0; i < dims.Length; i++)
        {
            if (i != inferIndex && dims[i].IsStatic && dims[i].Value == 0)
            {
                if (i >= input.Rank)
                {
                    return null;
                }

                dims[i] = input[i];
            }
        }

        if (inferIndex >= 0)
        {
            dims[inferIndex] = InferMissing(input, dims, inferIndex);
        }

        long? inCount = input.ElementCount;
        long? outCount = Product(dims);
        return inCount is not null && outCount is not null && inCount != outCount ? null : new TensorShape(dims);
    }

    /// <summary>The -1 dim of a reshape: cancels equal named dims on both sides, then divides fixed sizes.</summary>
    private static Dim InferMissing(TensorShape input, Dim[] dims, int inferIndex)
    {
        var remaining = new List<Dim>(input);
        long known = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (i == inferIndex)
            {
                continue;
            }

            int match = remaining.FindIndex(d => d.IsSymbolic && d.KnownEquals(dims[i]));
            if (match >= 0)
            {
                remaining.RemoveAt(match);
            }
            else if (dims[i].IsStatic)
            {
                known = checked(known * dims[i].Value);
            }
            else
            {
                return Dim.Unknown;
            }
        }

        long? rest = Product(remaining);
        if (rest is not null)
        {
            return known != 0 && rest.Value % known == 0 ? Dim.Of(rest.Value / known) : Dim.Unknown;
        }

        return remaining.Count == 1 && remaining[0].IsSymbolic && known == 1 ? remaining[0] : Dim.Unknown;
    }

    /// <summary>One spatial output dim of a convolution or pooling window.</summary>
    public static Dim ConvOutput(Dim input, long kernel, long stride, long padBegin, long padEnd, long dilation)
    {
        long span = (dilation * (kernel - 1)) + 1;
        if (input.IsStatic)
        {
            long size = ((input.Value + padBegin + padEnd - span) / stride) + 1;
            return size > 0 ? Dim.Of(size) : Dim.Unknown;
        }

        return stride == 1 && padBegin + padEnd == span - 1 && input.IsSymbolic ? input : Dim.Unknown;
    }
}
