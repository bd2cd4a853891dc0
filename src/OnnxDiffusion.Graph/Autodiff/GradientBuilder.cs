using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Graph.Autodiff;

/// <summary>
/// Reverse-mode automatic differentiation over a <see cref="GraphBuilder"/>'s recorded nodes. The backward nodes
/// are emitted into the same builder, so forward, loss and gradients become one ordinary ONNX graph that any ONNX
/// Runtime build and provider runs (no training package, no com.microsoft *Grad kernels). Only the nodes on a
/// path from a requested input to the differentiated value are visited (pruning); each op's vector-Jacobian
/// product comes from its rule in <c>Ops/Ops.&lt;Family&gt;.Gradients.cs</c>; broadcast operands are
/// un-broadcast (ReduceSum + Reshape) and a value used several times gets the sum of its gradients.
/// </summary>
/// <example>
/// <code>
/// Value loss = b.ReduceMean(b.Mul(d, d), [0, 1], keepDims: false);
/// Value[] grads = b.Gradients(loss, [tokens]);      // d loss / d tokens, same shape as tokens
/// b.Output(grads[0], "tokens_grad");
/// </code>
/// </example>
public static class GradientBuilder
{
    /// <summary>
    /// A copy of <paramref name="x"/> (an Identity node) through which no gradient flows: for the gradient it is a
    /// constant.
    /// </summary>
    public static Value StopGradient(this GraphBuilder b, Value x)
    {
        ArgumentNullException.ThrowIfNull(b);
        Value y = b.Identity(x);
        b.StopGradients.Add(y);
        return y;
    }

    /// <summary>
    /// Emits the gradients of <paramref name="output"/> (seeded by <see cref="GradientOptions.OutputGradient"/>,
    /// default ones) with respect to each of <paramref name="wrt"/> (graph inputs, parameters or intermediate
    /// values of float type), in order. A value <paramref name="output"/> does not depend on gets zeros.
    /// </summary>
    /// <exception cref="GraphBuildException">An op on the path has no gradient rule, or its rule does not support
    /// the node's configuration (the message names the node).</exception>
    public static Value[] Gradients(this GraphBuilder b, Value output, IReadOnlyList<Value> wrt,
        GradientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(wrt);
        options ??= new GradientOptions();
        b.CheckOwned(output);
        foreach (Value v in wrt)
        {
            b.CheckOwned(v);
            if (!IsFloat(v.ElementType))
            {
                throw new GraphBuildException($"Cannot differentiate with respect to {v}: it is not a float tensor.");
            }
        }

        var stops = new HashSet<Value>(b.StopGradients);
        stops.UnionWith(options.StopAt);
        IReadOnlyList<GraphBuilder.NodeRecord> nodes = b.NodeRecords;
        int forwardCount = nodes.Count;
        HashSet<Value> active = ActiveValues(nodes, forwardCount, output, wrt, stops);
        var contributions = new Dictionary<Value, List<Value>>();
        using (b.Scope(options.Scope))
        {
            if (active.Contains(output))
            {
                contributions[output] = [options.OutputGradient ?? Ones(b, output)];
            }

            for (int n = forwardCount - 1; n >= 0; n--)
            {
                Backward(b, nodes[n], active, contributions);
            }

            var result = new Value[wrt.Count];
            for (int i = 0; i < wrt.Count; i++)
            {
                result[i] = Sum(b, contributions, wrt[i])
                    ?? b.ConstantOfShape(b.Shape(wrt[i]), 0, wrt[i].ElementType);
            }

            return result;
        }
    }

    /// <summary>
    /// Values that both depend on some <paramref name="wrt"/> through differentiable float edges and feed
    /// <paramref name="output"/>: exactly the values a gradient has to flow through.
    /// </summary>
    private static HashSet<Value> ActiveValues(IReadOnlyList<GraphBuilder.NodeRecord> nodes, int count, Value output,
        IReadOnlyList<Value> wrt, HashSet<Value> stops)
    {
        var dependsOnWrt = new HashSet<Value>(wrt.Where(v => !stops.Contains(v)));
        for (int n = 0; n < count; n++)
        {
            GraphBuilder.NodeRecord node = nodes[n];
            OpInfo? info = OpTable.Find(node.Domain, node.OpType);
            if (info?.Gradient != Differentiability.Differentiable || !node.Inputs.Any(v => v is not null &&
                dependsOnWrt.Contains(v)))
            {
                continue;
            }

            foreach (Value o in node.Outputs)
            {
                if (IsFloat(o.ElementType) && !stops.Contains(o))
                {
                    dependsOnWrt.Add(o);
                }
            }
        }

        var feedsOutput = new HashSet<Value> { output };
        for (int n = count - 1; n >= 0; n--)
        {
            GraphBuilder.NodeRecord node = nodes[n];
            if (node.Outputs.Any(feedsOutput.Contains))
            {
                feedsOutput.UnionWith(node.Inputs.OfType<Value>());
            }
        }

        dependsOnWrt.IntersectWith(feedsOutput);
        return dependsOnWrt;
    }

    private static void Backward(GraphBuilder b, GraphBuilder.NodeRecord node, HashSet<Value> active,
        Dictionary<Value, List<Value>> contributions)
    {
        var outputGradients = new Value?[node.Outputs.Count];
        bool any = false;
        for (int i = 0; i < outputGradients.Length; i++)
        {
            outputGradients[i] = Sum(b, contributions, node.Outputs[i]);
            any |= outputGradients[i] is not null;
        }

        var needs = new bool[node.Inputs.Count];
        bool needed = false;
        for (int i = 0; i < needs.Length; i++)
        {
            needs[i] = node.Inputs[i] is { } v && active.Contains(v);
            needed |= needs[i];
        }

        if (!any || !needed)
        {
            return;
        }

        GradientEntry entry = GradientRules.Find(node.Domain, node.OpType) is { Rule: not null } e
            ? e
            : throw new GraphBuildException(
                $"No gradient rule for {node.Domain}:{node.OpType} (node '{node.Name}'), which lies between the " +
                "differentiated value and a requested input. Add the rule to the op's Ops.<Family>.Gradients.cs.");
        var context = new GradientContext(b, node, outputGradients, needs);
        entry.Rule!(context);
        for (int i = 0; i < needs.Length; i++)
        {
            if (!needs[i])
            {
                continue;
            }

            Value gradient = context.Results[i] ?? throw context.Unsupported($"left the gradient of input {i} unset");
            Value input = node.Inputs[i]!;
            if (!contributions.TryGetValue(input, out List<Value>? list))
            {
                contributions[input] = list = [];
            }

            list.Add(gradient);
        }
    }

    /// <summary>The accumulated gradient of <paramref name="v"/> (fan-out: the sum of all contributions).</summary>
    private static Value? Sum(GraphBuilder b, Dictionary<Value, List<Value>> contributions, Value v)
    {
        if (!contributions.TryGetValue(v, out List<Value>? list) || list.Count == 0)
        {
            return null;
        }

        Value total = list[0];
        for (int i = 1; i < list.Count; i++)
        {
            total = b.Add(total, list[i]);
        }

        contributions[v] = [total];
        return total;
    }

    private static Value Ones(GraphBuilder b, Value like) => like.Rank == 0
        ? b.Scalar(1, like.ElementType)
        : b.ConstantOfShape(b.Shape(like), 1, like.ElementType);

    internal static bool IsFloat(ElementType type) =>
        type is ElementType.Float or ElementType.Float16 or ElementType.Double or ElementType.BFloat16;
}
