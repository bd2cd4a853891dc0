using System.Text.Json.Nodes;

namespace OnnxDiffusion.Nodes.Execution;

/// <summary>What a run produced.</summary>
public sealed class ExecutionResult
{
    internal ExecutionResult(
        IReadOnlyDictionary<string, NodeResult> results,
        IReadOnlyList<string> outputs,
        IReadOnlyList<string> executed,
        IReadOnlyList<string> cached,
        IReadOnlyList<SavedFile> filesWritten)
    {
        Results = results;
        OutputNodes = outputs;
        Executed = executed;
        Cached = cached;
        FilesWritten = filesWritten;
    }

    /// <summary>Results of every node evaluated in this run (executed or cached), by node id.</summary>
    public IReadOnlyDictionary<string, NodeResult> Results { get; }

    /// <summary>Output node ids, in the order they were run.</summary>
    public IReadOnlyList<string> OutputNodes { get; }

    /// <summary>Node ids that ran, in execution order.</summary>
    public IReadOnlyList<string> Executed { get; }

    /// <summary>Node ids whose outputs came from the cache.</summary>
    public IReadOnlyList<string> Cached { get; }

    /// <summary>Files written by nodes that ran in this run, in order.</summary>
    public IReadOnlyList<SavedFile> FilesWritten { get; }

    /// <summary>ComfyUI history <c>outputs</c>: output node id → UI dict (nodes without UI are left out).</summary>
    public JsonObject ToUiJson()
    {
        var outputs = new JsonObject();
        foreach (string id in OutputNodes)
        {
            JsonObject ui = Results[id].ToUiJson();
            if (ui.Count > 0)
            {
                outputs[id] = ui;
            }
        }

        return outputs;
    }
}
