using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Graph.Passes;

/// <summary>Stable topological sorting of nodes (Kahn's algorithm, smallest preferred key first).</summary>
public static class TopologicalOrder
{
    /// <summary>
    /// Orders <paramref name="nodes"/> so every node comes after the producers of its inputs, preferring smaller
    /// keys among the ready nodes, so an already-sorted list keeps its order. Values with no producer in the list
    /// (graph inputs, initializers) count as available.
    /// </summary>
    /// <exception cref="InvalidOperationException">When the nodes contain a cycle.</exception>
    public static List<NodeProto> Sort(IReadOnlyList<(NodeProto Node, double Key)> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < nodes.Count; i++)
        {
            foreach (string output in nodes[i].Node.Output)
            {
                if (output.Length > 0)
                {
                    producer[output] = i;
                }
            }
        }

        var pending = new int[nodes.Count];
        var dependents = new List<int>[nodes.Count];
        for (int i = 0; i < nodes.Count; i++)
        {
            dependents[i] = [];
        }

        for (int i = 0; i < nodes.Count; i++)
        {
            foreach (int p in nodes[i].Node.Input.Where(v => v.Length > 0)
                .Select(v => producer.TryGetValue(v, out int q) ? q : -1).Where(q => q >= 0 && q != i).Distinct())
            {
                dependents[p].Add(i);
                pending[i]++;
            }
        }

        var ready = new PriorityQueue<int, (double, int)>();
        for (int i = 0; i < nodes.Count; i++)
        {
            if (pending[i] == 0)
            {
                ready.Enqueue(i, (nodes[i].Key, i));
            }
        }

        var result = new List<NodeProto>(nodes.Count);
        while (ready.TryDequeue(out int i, out _))
        {
            result.Add(nodes[i].Node);
            foreach (int d in dependents[i])
            {
                if (--pending[d] == 0)
                {
                    ready.Enqueue(d, (nodes[d].Key, d));
                }
            }
        }

        if (result.Count != nodes.Count)
        {
            throw new InvalidOperationException(
                $"The graph has a cycle: {nodes.Count - result.Count} nodes could not be ordered.");
        }

        return result;
    }
}
