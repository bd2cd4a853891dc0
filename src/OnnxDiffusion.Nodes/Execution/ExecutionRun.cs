using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using OnnxDiffusion.Core.Json;
using OnnxDiffusion.Nodes.Json;
using OnnxDiffusion.Nodes.Workflows;

namespace OnnxDiffusion.Nodes.Execution;

/// <summary>One run of a validated workflow: demand-driven evaluation with memoisation and the result cache.</summary>
internal sealed class ExecutionRun(
    ValidationReport report,
    NodeEnvironment environment,
    RunInfo run,
    IExecutionListener? listener,
    IReadOnlyDictionary<string, NodeResult> previousCache)
{
    private readonly Dictionary<string, NodeResult> _results = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _signatures = new(StringComparer.Ordinal);
    private readonly List<string> _executed = [];
    private readonly List<string> _cached = [];
    private readonly List<SavedFile> _files = [];
    private int _planned;

    /// <summary>Cache entries used (read or written) by this run.</summary>
    public Dictionary<string, NodeResult> UsedCache { get; } = new(StringComparer.Ordinal);

    public ExecutionResult Execute()
    {
        _planned = CountPlanned();
        foreach (string output in report.Outputs)
        {
            Evaluate(output);
        }

        return new ExecutionResult(_results, report.Outputs, _executed, _cached, _files);
    }

    private NodeResult Evaluate(string id)
    {
        if (_results.TryGetValue(id, out NodeResult? done))
        {
            return done;
        }

        PreparedNode prepared = report.Prepared[id];
        string classType = prepared.Node.Schema.ClassType;
        string signature = Signature(id);
        if (previousCache.TryGetValue(signature, out NodeResult? cached)
            || UsedCache.TryGetValue(signature, out cached))
        {
            UsedCache[signature] = cached;
            _results[id] = cached;
            _cached.Add(id);
            listener?.NodeCached(id, classType);
            return cached;
        }

        var values = new Dictionary<string, object?>(prepared.Literals, StringComparer.Ordinal);
        var lazyLinks = new Dictionary<string, LinkRef>(StringComparer.Ordinal);
        foreach (var (name, link) in prepared.Links)
        {
            if (prepared.Node.Schema.FindInput(name)!.Lazy)
            {
                lazyLinks[name] = link;
            }
            else
            {
                values[name] = Evaluate(link.NodeId).Outputs[link.OutputIndex];
            }
        }

        var context = new NodeContext(id, environment, run, StepProgress);
        ResolveLazyInputs(prepared, values, lazyLinks, context);
        NodeResult result = Run(prepared, values, context);
        UsedCache[signature] = result;
        _results[id] = result;
        return result;
    }

    private void ResolveLazyInputs(
        PreparedNode prepared, Dictionary<string, object?> values, Dictionary<string, LinkRef> lazyLinks,
        NodeContext context)
    {
        if (prepared.Node is not ILazyInputNode lazyNode)
        {
            foreach (var (name, link) in lazyLinks)
            {
                values[name] = Evaluate(link.NodeId).Outputs[link.OutputIndex];
            }

            return;
        }

        while (lazyLinks.Count > 0)
        {
            var needed = lazyNode.NeededLazyInputs(new NodeInputs(values), context)
                .Where(lazyLinks.ContainsKey).ToArray();
            if (needed.Length == 0)
            {
                return;
            }

            foreach (string name in needed)
            {
                LinkRef link = lazyLinks[name];
                values[name] = Evaluate(link.NodeId).Outputs[link.OutputIndex];
                lazyLinks.Remove(name);
            }
        }
    }

    private NodeResult Run(PreparedNode prepared, Dictionary<string, object?> values, NodeContext context)
    {
        string classType = prepared.Node.Schema.ClassType;
        run.CancellationToken.ThrowIfCancellationRequested();
        listener?.NodeStarting(prepared.Id, classType, _executed.Count + 1, Math.Max(_planned, _executed.Count + 1));
        var watch = Stopwatch.StartNew();
        NodeResult result;
        try
        {
            result = prepared.Node.Execute(new NodeInputs(values), context);
            CheckOutputs(prepared.Node, result);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new NodeExecutionException(prepared.Id, classType, ex);
        }

        _executed.Add(prepared.Id);
        _files.AddRange(result.Files);
        listener?.NodeFinished(prepared.Id, classType, result, watch.Elapsed);
        return result;
    }

    private static void CheckOutputs(INode node, NodeResult result)
    {
        var outputs = node.Schema.Outputs;
        if (result.Outputs.Count != outputs.Count)
        {
            throw new InvalidOperationException(
                $"Node returned {result.Outputs.Count} values but declares {outputs.Count} outputs.");
        }

        for (int i = 0; i < outputs.Count; i++)
        {
            if (!outputs[i].Type.Accepts(result.Outputs[i]))
            {
                throw new InvalidOperationException(
                    $"Output {i} ({outputs[i].Name}) is {result.Outputs[i]!.GetType().Name}, not {outputs[i].Type}.");
            }
        }
    }

    private void StepProgress(string nodeId, long value, long max) => listener?.StepProgress(nodeId, value, max);

    /// <summary>Upper bound of nodes that will run: ancestors of the outputs that are not cached.</summary>
    private int CountPlanned()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>(report.Outputs);
        while (stack.Count > 0)
        {
            string id = stack.Pop();
            if (!seen.Add(id) || previousCache.ContainsKey(Signature(id)))
            {
                continue;
            }

            foreach (var link in report.Prepared[id].Links.Values)
            {
                stack.Push(link.NodeId);
            }
        }

        return seen.Count(id => !previousCache.ContainsKey(Signature(id)));
    }

    /// <summary>Cache key: hash of class type, literal values, upstream keys and the node's fingerprint.</summary>
    private string Signature(string id)
    {
        if (_signatures.TryGetValue(id, out string? known))
        {
            return known;
        }

        PreparedNode prepared = report.Prepared[id];
        var sb = new StringBuilder(prepared.Node.Schema.ClassType);
        foreach (var spec in prepared.Node.Schema.AllInputs)
        {
            if (prepared.Literals.TryGetValue(spec.Name, out object? literal))
            {
                sb.Append("\nL ").Append(spec.Name).Append('=').Append(literal?.GetType().Name).Append(':')
                    .Append(PythonJson.Dumps(JsonNumbers.From(literal)));
            }
            else if (prepared.Links.TryGetValue(spec.Name, out LinkRef link))
            {
                sb.Append("\nK ").Append(spec.Name).Append('=').Append(Signature(link.NodeId)).Append('#')
                    .Append(link.OutputIndex.ToString(CultureInfo.InvariantCulture));
            }
        }

        if (prepared.Node is IFingerprintNode fingerprinted)
        {
            try
            {
                sb.Append("\nF ").Append(fingerprinted.Fingerprint(new NodeInputs(prepared.Literals), environment));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new NodeExecutionException(id, prepared.Node.Schema.ClassType, ex);
            }
        }

        string signature = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
        _signatures[id] = signature;
        return signature;
    }
}
