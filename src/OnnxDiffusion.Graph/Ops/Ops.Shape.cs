using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Graph.Ops;

/// <summary>
/// Shape and data-movement ops. Int64 shape tensors keep symbolic contents where the builder can track them.
/// </summary>
public static partial class Ops
{
    /// <summary>Shape ops of this file, with their autodiff status.</summary>
    internal static readonly OpInfo[] ShapeOps =
    [
        new("Reshape", OnnxDomains.Onnx, 21, Differentiability.Differentiable),
        new("Transpose", OnnxDomains.Onnx, 21, Differentiability.Differentiable),
        new("Concat", OnnxDomains.Onnx, 13, Differentiability.Differentiable),
        new("Split", OnnxDomains.Onnx, 18, Differentiability.Differentiable),
        new("Slice", OnnxDomains.Onnx, 13, Differentiability.Differentiable),
        new("Gather", OnnxDomains.Onnx, 13, Differentiability.Differentiable),
        new("GatherND", OnnxDomains.Onnx, 13, Differentiability.Differentiable),
        new("Unsqueeze", OnnxDomains.Onnx, 21, Differentiability.Differentiable),
        new("Squeeze", OnnxDomains.Onnx, 21, Differentiability.Differentiable),
        new("Shape", OnnxDomains.Onnx, 21, Differentiability.NotDifferentiable),
        new("Expand", OnnxDomains.Onnx, 13, Differentiability.Differentiable),
        new("ConstantOfShape", OnnxDomains.Onnx, 21, Differentiability.NotDifferentiable),
        new("Range", OnnxDomains.Onnx, 11, Differentiability.NotDifferentiable),
        new("Pad", OnnxDomains.Onnx, 18, Differentiability.Differentiable),
        new("ScatterND", OnnxDomains.Onnx, 18, Differentiability.Differentiable),
    ];

    /// <summary>
    /// Reshape to a constant target (ONNX rules: <c>0</c> copies the input dim, one <c>-1</c> is inferred).
    /// </summary>
    public static Value Reshape(this GraphBuilder b, Value x, params long[] shape) =>
        b.Reshape(x, b.ConstantInt64(shape));

    /// <summary>Reshape to a runtime int64 <c>[rank]</c> shape tensor (e.g. built from <see cref="Shape"/>).</summary>
    public static Value Reshape(this GraphBuilder b, Value x, Value shape)
    {
        if (shape.ElementType != ElementType.Int64 || shape.Rank != 1)
        {
            throw b.Fail("Reshape", [x, shape], "needs a 1-D int64 shape");
        }

        TensorShape? result;
        if (shape.ConstantData is { } data)
        {
            long[] target = data.ToInt64s();
            Dim[] dims = Array.ConvertAll(target, v => v >= 0 ? Dim.Of(v) : Dim.Unknown);
            int infer = Array.IndexOf(target, -1L);
            result = Array.FindAll(target, v => v == -1 || v < -1).Length > 1 || Array.Exists(target, v => v < -1)
                ? null
                : ShapeInference.Reshape(x.Shape, dims, infer);
        }
        else if (shape.KnownContent is { } content)
        {
            result = ShapeInference.Reshape(x.Shape, content, -1);
        }
        else
        {
            result = shape.Shape[0].IsStatic ? new TensorShape(Unknowns((int)shape.Shape[0].Value)) : null;
        }

        if (result is null)
        {
            throw b.Fail("Reshape", [x, shape], "cannot reshape to the requested shape (element counts or -1 use)");
        }

        return b.AddNode("Reshape", [x, shape], [], [(x.ElementType, result)])[0];
    }

    /// <summary>Permutes dims: output dim i is input dim <c>perm[i]</c>.</summary>
    public static Value Transpose(this GraphBuilder b, Value x, params long[] perm)
    {
        if (perm.Length != x.Rank || perm.Distinct().Count() != perm.Length || perm.Any(p => p < 0 || p >= x.Rank))
        {
            throw b.Fail("Transpose", [x], $"has perm [{string.Join(", ", perm)}] that is not a permutation");
        }

        var dims = Array.ConvertAll(perm, p => x.Shape[(int)p]);
        return b.AddNode("Transpose", [x], [Attr.Ints("perm", perm)], [(x.ElementType, new TensorShape(dims))])[0];
    }

    /// <summary>Concatenates along <paramref name="axis"/>; other dims must agree.</summary>
    public static Value Concat(this GraphBuilder b, long axis, params Value[] inputs)
    {
        if (inputs.Length == 0)
        {
            throw b.Fail("Concat", inputs, "needs at least one input");
        }

        Value first = inputs[0];
        int a = first.Shape.NormalizeAxis(axis) ?? throw b.Fail("Concat", inputs, $"has axis {axis} outside the rank");
        Dim[] dims = first.Shape.ToArray();
        long? total = 0;
        foreach (Value v in inputs)
        {
            if (v.Rank != first.Rank || v.ElementType != first.ElementType)
            {
                throw b.Fail("Concat", inputs, "needs inputs of one rank and element type");
            }

            for (int i = 0; i < dims.Length; i++)
            {
                if (i != a)
                {
                    dims[i] = ShapeInference.Unify(dims[i], v.Shape[i])
                        ?? throw b.Fail("Concat", inputs, $"has inputs that differ in dim {i}");
                }
            }

            total = v.Shape[a].IsStatic && total is not null ? total + v.Shape[a].Value : null;
        }

        dims[a] = total is null ? (inputs.Length == 1 ? first.Shape[a] : Dim.Unknown) : Dim.Of(total.Value);
        Value result = b.AddNode("Concat", inputs, [Attr.Int("axis", axis)],
            [(first.ElementType, new TensorShape(dims))])[0];
        if (first.Rank == 1 && Array.TrueForAll(inputs, v => v.KnownContent is not null))
        {
            result.KnownContent = inputs.SelectMany(v => v.KnownContent!).ToArray();
        }

        return result;
    }

    /// <summary>Splits along <paramref name="axis"/> into pieces of the given <paramref name="sizes"/>.</summary>
    public static Value[] Split(this GraphBuilder b, Value x, long axis, params long[] sizes)
    {
        int a = x.Shape.NormalizeAxis(axis) ?? throw b.Fail("Split", [x], $"has axis {axis} outside the rank");
        if (sizes.Length == 0 || (x.Shape[a].IsStatic && sizes.Sum() != x.Shape[a].Value))
        {
            throw b.Fail("Split", [x], $"has sizes [{string.Join(", ", sizes)}] that do not sum to dim {x.Shape[a]}");
        }

        var outputs = new (ElementType, TensorShape)[sizes.Length];
        for (int i = 0; i < sizes.Length; i++)
        {
            Dim[] dims = x.Shape.ToArray();
            dims[a] = sizes[i];
            outputs[i] = (x.ElementType, new TensorShape(dims));
        }

        return b.AddNode("Split", [x, b.ConstantInt64(sizes)], [Attr.Int("axis", axis)], outputs);
    }

    /// <summary>
    /// Slices with constant <paramref name="starts"/>/<paramref name="ends"/> on <paramref name="axes"/> (steps
    /// default 1; ends may be <see cref="long.MaxValue"/> for "to the end").
    /// </summary>
    public static Value Slice(this GraphBuilder b, Value x, long[] starts, long[] ends, long[] axes,
        long[]? steps = null)
    {
        steps ??= Enumerable.Repeat(1L, axes.Length).ToArray();
        if (starts.Length != axes.Length || ends.Length != axes.Length || steps.Length != axes.Length ||
            Array.Exists(steps, s => s == 0))
        {
            throw b.Fail("Slice", [x], "needs starts, ends, axes and non-zero steps of one length");
        }

        Dim[] dims = x.Shape.ToArray();
        var ranges = new (long Start, long Step, long Count)[x.Rank];
        for (int i = 0; i < axes.Length; i++)
        {
            int a = x.Shape.NormalizeAxis(axes[i])
                ?? throw b.Fail("Slice", [x], $"has axis {axes[i]} outside the rank");
            Dim d = x.Shape[a];
            bool whole = starts[i] == 0 && ends[i] >= int.MaxValue && steps[i] == 1;
            dims[a] = d.IsStatic
                ? SliceCount(d.Value, starts[i], ends[i], steps[i], out ranges[a])
                : whole ? d : Dim.Unknown;
        }

        Value[] inputs =
            [x, b.ConstantInt64(starts), b.ConstantInt64(ends), b.ConstantInt64(axes), b.ConstantInt64(steps)];
        Value result = b.AddNode("Slice", inputs, [], [(x.ElementType, new TensorShape(dims))])[0];
        if (x.Rank == 1 && x.KnownContent is { } content && dims[0].IsStatic)
        {
            (long start, long step, long count) = axes.Length == 0 ? (0, 1, content.Length) : ranges[0];
            result.KnownContent = Enumerable.Range(0, (int)count).Select(i => content[start + (i * step)]).ToArray();
        }

        return result;
    }

    /// <summary>
    /// Gathers slices of <paramref name="data"/> along <paramref name="axis"/> at <paramref name="indices"/>
    /// (int64, negative allowed): output is <c>data.shape[:axis] + indices.shape + data.shape[axis+1:]</c>.
    /// </summary>
    public static Value Gather(this GraphBuilder b, Value data, Value indices, long axis = 0)
    {
        int a = data.Shape.NormalizeAxis(axis) ?? throw b.Fail("Gather", [data, indices], $"has a bad axis {axis}");
        if (indices.ElementType is not (ElementType.Int64 or ElementType.Int32))
        {
            throw b.Fail("Gather", [data, indices], "needs int64 or int32 indices");
        }

        var dims = new List<Dim>(data.Shape.Take(a));
        dims.AddRange(indices.Shape);
        dims.AddRange(data.Shape.Skip(a + 1));
        Value result = b.AddNode("Gather", [data, indices], [Attr.Int("axis", axis)],
            [(data.ElementType, new TensorShape([.. dims]))])[0];
        if (data.Rank == 1 && data.KnownContent is { } content && indices.ConstantData is { } idx &&
            indices.ElementType == ElementType.Int64)
        {
            result.KnownContent = Array.ConvertAll(idx.ToInt64s(), i => content[i < 0 ? i + content.Length : i]);
        }

        return result;
    }

    /// <summary>Gathers one index along <paramref name="axis"/> (a scalar index: that dim is removed).</summary>
    public static Value Gather(this GraphBuilder b, Value data, long index, long axis = 0) =>
        b.Gather(data, b.ScalarInt64(index), axis);

    /// <summary>
    /// GatherND: picks slices of <paramref name="data"/> addressed by the last dim of int64
    /// <paramref name="indices"/> (which must be fixed, m), after <paramref name="batchDims"/> shared leading dims.
    /// Output is <c>indices.shape[:-1] + data.shape[batchDims + m:]</c>. E.g. CLIP's pooled output:
    /// <c>GatherND(hidden [B, T, D], argmax [B, 1], batchDims: 1) → [B, D]</c>.
    /// </summary>
    public static Value GatherND(this GraphBuilder b, Value data, Value indices, long batchDims = 0)
    {
        Dim last = indices.Rank == 0 ? Dim.Unknown : indices.Shape[-1];
        if (indices.ElementType != ElementType.Int64 || !last.IsStatic || batchDims < 0 ||
            batchDims + last.Value > data.Rank || batchDims >= indices.Rank)
        {
            throw b.Fail("GatherND", [data, indices], $"needs int64 indices [..., m] with fixed m and batch_dims " +
                $"{batchDims} + m ≤ data rank");
        }

        var dims = new List<Dim>(indices.Shape.Take(indices.Rank - 1));
        dims.AddRange(data.Shape.Skip((int)(batchDims + last.Value)));
        return b.AddNode("GatherND", [data, indices], [Attr.Int("batch_dims", batchDims)],
            [(data.ElementType, new TensorShape([.. dims]))])[0];
    }

    /// <summary>Inserts size-1 dims at <paramref name="axes"/> (positions in the output).</summary>
    public static Value Unsqueeze(this GraphBuilder b, Value x, params long[] axes)
    {
        int rank = x.Rank + axes.Length;
        int[] normalized = Array.ConvertAll(axes, a => (int)(a < 0 ? a + rank : a));
        if (normalized.Any(a => a < 0 || a >= rank) || normalized.Distinct().Count() != normalized.Length)
        {
            throw b.Fail("Unsqueeze", [x], $"has axes [{string.Join(", ", axes)}] outside the output rank");
        }

        var dims = new Dim[rank];
        int next = 0;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = Array.IndexOf(normalized, i) >= 0 ? 1 : x.Shape[next++];
        }

        Value result = b.AddNode("Unsqueeze", [x, b.ConstantInt64(axes)], [],
            [(x.ElementType, new TensorShape(dims))])[0];
        result.KnownContent = x.Rank == 0 && x.KnownContent is { Length: 1 } ? x.KnownContent : null;
        return result;
    }

    /// <summary>Removes the size-1 dims at <paramref name="axes"/>.</summary>
    public static Value Squeeze(this GraphBuilder b, Value x, params long[] axes)
    {
        var remove = new HashSet<int>();
        foreach (long axis in axes)
        {
            int a = x.Shape.NormalizeAxis(axis) ?? throw b.Fail("Squeeze", [x], $"has axis {axis} outside the rank");
            if (x.Shape[a].IsStatic && x.Shape[a].Value != 1)
            {
                throw b.Fail("Squeeze", [x], $"cannot squeeze dim {a} of size {x.Shape[a]}");
            }

            remove.Add(a);
        }

        Dim[] dims = x.Shape.Where((_, i) => !remove.Contains(i)).ToArray();
        return b.AddNode("Squeeze", [x, b.ConstantInt64(axes)], [], [(x.ElementType, new TensorShape(dims))])[0];
    }

    /// <summary>The shape of <paramref name="x"/> as int64 <c>[rank]</c> (or dims <c>[start, end)</c>).</summary>
    public static Value Shape(this GraphBuilder b, Value x, long? start = null, long? end = null)
    {
        int s = (int)Math.Clamp(start is < 0 ? start.Value + x.Rank : start ?? 0, 0, x.Rank);
        int e = (int)Math.Clamp(end is < 0 ? end.Value + x.Rank : end ?? x.Rank, 0, x.Rank);
        var attributes = new List<AttributeProto>();
        if (start is not null)
        {
            attributes.Add(Attr.Int("start", start.Value));
        }

        if (end is not null)
        {
            attributes.Add(Attr.Int("end", end.Value));
        }

        Dim[] content = x.Shape.Skip(s).Take(Math.Max(0, e - s)).ToArray();
        Value result = b.AddNode("Shape", [x], [.. attributes], [(ElementType.Int64, [content.Length])])[0];
        result.KnownContent = content;
        return result;
    }

    /// <summary>Broadcasts <paramref name="x"/> to a shape given as an int64 <c>[rank]</c> tensor.</summary>
    public static Value Expand(this GraphBuilder b, Value x, Value shape)
    {
        if (shape.ElementType != ElementType.Int64 || shape.Rank != 1)
        {
            throw b.Fail("Expand", [x, shape], "needs a 1-D int64 shape");
        }

        Dim[]? content = shape.KnownContent
            ?? (shape.Shape[0].IsStatic ? Unknowns((int)shape.Shape[0].Value) : null);
        TensorShape? result = content is null ? null : ShapeInference.Broadcast(x.Shape, new TensorShape(content));
        if (result is null)
        {
            throw b.Fail("Expand", [x, shape], "cannot broadcast to the requested shape");
        }

        return b.AddNode("Expand", [x, shape], [], [(x.ElementType, result)])[0];
    }

    /// <summary>Broadcasts <paramref name="x"/> to a constant shape.</summary>
    public static Value Expand(this GraphBuilder b, Value x, params long[] shape) =>
        b.Expand(x, b.ConstantInt64(shape));

    /// <summary>A tensor of a runtime shape filled with <paramref name="value"/> (float or int64 type).</summary>
    public static Value ConstantOfShape(this GraphBuilder b, Value shape, double value,
        ElementType type = ElementType.Float)
    {
        if (shape.ElementType != ElementType.Int64 || shape.Rank != 1 || !shape.Shape[0].IsStatic)
        {
            throw b.Fail("ConstantOfShape", [shape], "needs a 1-D int64 shape of fixed length");
        }

        IInitializerData fill = type == ElementType.Int64
            ? InitializerData.FromInt64s([checked((long)value)], [1])
            : InitializerData.FloatFilled(type, value, [1]);
        var tensor = new TensorProto
        {
            DataType = (int)type,
            RawData = Google.Protobuf.ByteString.CopyFrom(fill.ToBytes()),
        };
        tensor.Dims.Add(1);
        Dim[] dims = shape.KnownContent ?? Unknowns((int)shape.Shape[0].Value);
        return b.AddNode("ConstantOfShape", [shape], [Attr.Tensor("value", tensor)],
            [(type, new TensorShape(dims))])[0];
    }

    /// <summary>
    /// <c>[start, start + delta, ...)</c> up to <paramref name="limit"/>; scalar inputs of one numeric type. The
    /// length is fixed when all three are builder constants.
    /// </summary>
    public static Value Range(this GraphBuilder b, Value start, Value limit, Value delta)
    {
        if (start.Rank != 0 || limit.Rank != 0 || delta.Rank != 0 || start.ElementType != limit.ElementType ||
            start.ElementType != delta.ElementType)
        {
            throw b.Fail("Range", [start, limit, delta], "needs three scalars of one type");
        }

        Dim length = Dim.Unknown;
        if (start.ElementType == ElementType.Int64 && start.ConstantData is { } s && limit.ConstantData is { } l &&
            delta.ConstantData is { } d && d.ToInt64s()[0] != 0)
        {
            double n = Math.Ceiling((l.ToInt64s()[0] - s.ToInt64s()[0]) / (double)d.ToInt64s()[0]);
            length = Dim.Of((long)Math.Max(0, n));
        }

        return b.AddNode("Range", [start, limit, delta], [], [(start.ElementType, [length])])[0];
    }

    /// <summary>
    /// Constant zero-padding (Pad-18, mode <c>constant</c>): <paramref name="pads"/> holds the begins then the ends
    /// of every dim (length 2 × rank; negative values crop).
    /// </summary>
    public static Value Pad(this GraphBuilder b, Value x, params long[] pads)
    {
        if (pads.Length != 2 * x.Rank)
        {
            throw b.Fail("Pad", [x], $"needs {2 * x.Rank} pads, got {pads.Length}");
        }

        var dims = new Dim[x.Rank];
        for (int i = 0; i < x.Rank; i++)
        {
            long extra = pads[i] + pads[x.Rank + i];
            dims[i] = extra == 0 ? x.Shape[i] : x.Shape[i].IsStatic ? Dim.Of(x.Shape[i].Value + extra) : Dim.Unknown;
        }

        return b.PadTo(x, b.ConstantInt64(pads), new TensorShape(dims));
    }

    /// <summary>Pad-18 with run-time int64 pads whose result shape the caller knows (gradient rules).</summary>
    internal static Value PadTo(this GraphBuilder b, Value x, Value pads, TensorShape resultShape)
    {
        if (pads.ElementType != ElementType.Int64 || pads.Rank != 1 || resultShape.Rank != x.Rank)
        {
            throw b.Fail("Pad", [x, pads], "needs 1-D int64 pads and a result of the input's rank");
        }

        return b.AddNode("Pad", [x, pads], [Attr.String("mode", "constant")], [(x.ElementType, resultShape)])[0];
    }

    /// <summary>
    /// ScatterND-18: a copy of <paramref name="data"/> with the slices addressed by int64 <paramref name="indices"/>
    /// <c>[..., m]</c> replaced by (reduction <c>none</c>) or added to (<c>add</c>) <paramref name="updates"/>
    /// <c>indices.shape[:-1] + data.shape[m:]</c>. With <c>add</c>, repeated indices accumulate.
    /// </summary>
    public static Value ScatterND(this GraphBuilder b, Value data, Value indices, Value updates,
        string reduction = "none")
    {
        if (indices.ElementType != ElementType.Int64 || indices.Rank == 0 || updates.ElementType != data.ElementType ||
            reduction is not ("none" or "add" or "mul" or "max" or "min"))
        {
            throw b.Fail("ScatterND", [data, indices, updates],
                "needs int64 indices [..., m], updates of data's type and a known reduction");
        }

        return b.AddNode("ScatterND", [data, indices, updates], [Attr.String("reduction", reduction)],
            [(data.ElementType, data.Shape)])[0];
    }

    /// <summary>Slice-13 with run-time int64 starts/ends/axes whose result shape the caller knows.</summary>
    internal static Value SliceTo(this GraphBuilder b, Value x, Value starts, Value ends, Value axes,
        TensorShape resultShape) =>
        b.AddNode("Slice", [x, starts, ends, axes], [], [(x.ElementType, resultShape)])[0];

    private static Dim SliceCount(long size, long start, long end, long step,
        out (long Start, long Step, long Count) range)
    {
        long s = start < 0 ? start + size : start;
        long e = end < 0 ? end + size : end;
        if (step > 0)
        {
            s = Math.Clamp(s, 0, size);
            e = Math.Clamp(e, 0, size);
        }
        else
        {
            s = Math.Clamp(s, -1, size - 1);
            e = Math.Clamp(e, -1, size - 1);
        }

        long count = Math.Max(0, step > 0 ? (e - s + step - 1) / step : (s - e - step - 1) / -step);
        range = (s, step, count);
        return Dim.Of(count);
    }

    private static Dim[] Unknowns(int count) => Enumerable.Repeat(Dim.Unknown, count).ToArray();
}
