using System.Text.Json.Nodes;
using OnnxDiffusion.Nodes.Execution;

namespace OnnxDiffusion.Nodes.Workflows;

/// <summary>
/// Validates an API-format workflow before anything runs, as ComfyUI's <c>validate_prompt</c> does, but reports
/// every problem at once: unknown or missing <c>class_type</c> (<c>invalid_prompt</c>), no output node
/// (<c>prompt_no_outputs</c>), and per input of every output node and its ancestors: missing required inputs,
/// malformed links, links to missing nodes or outputs, type mismatches, literals that do not convert, numbers
/// out of range, values not in a combo, custom validation and dependency cycles.
/// </summary>
public static class WorkflowValidator
{
    /// <summary>Validates <paramref name="workflow"/> against <paramref name="registry"/>.</summary>
    public static ValidationReport Validate(Workflow workflow, NodeRegistry registry, NodeEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(environment);
        var pass = new ValidationPass(workflow, registry, environment);
        return pass.Run();
    }

    private sealed class ValidationPass(Workflow workflow, NodeRegistry registry, NodeEnvironment environment)
    {
        private readonly Dictionary<string, List<ValidationError>> _errors = new(StringComparer.Ordinal);
        private readonly Dictionary<string, bool> _validated = new(StringComparer.Ordinal);
        private readonly Dictionary<string, PreparedNode> _prepared = new(StringComparer.Ordinal);
        private readonly List<string> _visiting = [];

        public ValidationReport Run()
        {
            var outputs = new List<string>();
            ValidationError? classError = null;
            foreach (var node in workflow.Nodes)
            {
                ValidationError? error = CheckNodeShape(node);
                if (error is not null)
                {
                    classError ??= error;
                    AddError(node.Id, error);
                }
                else if (registry.Get(node.ClassType!).Schema.IsOutputNode)
                {
                    outputs.Add(node.Id);
                }
            }

            if (classError is null && outputs.Count == 0)
            {
                return ValidationReport.TopLevel(new ValidationError(
                    ComfyNames.Errors.PromptNoOutputs, "Prompt has no outputs", "", new JsonObject()));
            }

            foreach (string output in outputs)
            {
                try
                {
                    ValidateNode(output);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    AddError(output, new ValidationError(ComfyNames.Errors.ExceptionDuringValidation,
                        "Exception when validating node", ex.Message,
                        new JsonObject { ["exception_type"] = ex.GetType().FullName }));
                    _validated[output] = false;
                }
            }

            return BuildReport(outputs, classError);
        }

        private ValidationError? CheckNodeShape(WorkflowNode node)
        {
            var extra = new JsonObject
            {
                ["node_id"] = node.Id, ["class_type"] = node.ClassType, ["node_title"] = node.Title,
            };
            if (!node.IsObject || node.ClassType is null)
            {
                return new ValidationError(ComfyNames.Errors.InvalidPrompt,
                    "Cannot execute because a node is missing the class_type property.",
                    $"Node ID '#{node.Id}'", extra);
            }

            if (!registry.Contains(node.ClassType))
            {
                return new ValidationError(ComfyNames.Errors.InvalidPrompt,
                    $"Cannot execute because node {node.ClassType} does not exist.", $"Node ID '#{node.Id}'", extra);
            }

            return node.InputsMalformed
                ? new ValidationError(ComfyNames.Errors.InvalidPrompt,
                    $"Cannot execute because the inputs of node {node.ClassType} are not a JSON object.",
                    $"Node ID '#{node.Id}'", extra)
                : null;
        }

        /// <summary>Validates one node and, recursively, its linked ancestors. Returns false when invalid.</summary>
        private bool ValidateNode(string id)
        {
            if (_validated.TryGetValue(id, out bool known))
            {
                return known;
            }

            int at = _visiting.IndexOf(id);
            if (at >= 0)
            {
                ReportCycle(_visiting.GetRange(at, _visiting.Count - at));
                return false;
            }

            WorkflowNode node = workflow.Find(id)!;
            if (node.ClassType is null || !registry.Contains(node.ClassType) || node.InputsMalformed)
            {
                _validated[id] = false;
                return false;
            }

            var checker = new NodeInputChecker(node, registry.Get(node.ClassType), workflow, registry, environment);
            bool valid = checker.CheckInputs(out var ownErrors);
            foreach (var (inputName, link) in checker.Sources)
            {
                valid &= ValidateLinked(id, inputName, link, checker);
            }

            ownErrors.AddRange(checker.CustomValidation());
            foreach (var error in ownErrors)
            {
                AddError(id, error);
            }

            bool ok = valid && ownErrors.Count == 0 && !_errors.ContainsKey(id);
            _validated[id] = ok;
            if (ok)
            {
                _prepared[id] = new PreparedNode(id, checker.Node, checker.Literals, checker.Links);
            }

            return ok;
        }

        private bool ValidateLinked(string id, string inputName, LinkRef link, NodeInputChecker checker)
        {
            _visiting.Add(id);
            try
            {
                return ValidateNode(link.NodeId);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                AddError(link.NodeId, ValidationError.ForInput(
                    ComfyNames.Errors.ExceptionDuringInnerValidation, "Exception when validating inner node",
                    ex.Message, inputName,
                    ("input_config", checker.InputConfig(inputName)),
                    ("exception_message", ex.Message),
                    ("exception_type", ex.GetType().FullName),
                    ("linked_node", new JsonArray(link.NodeId, link.OutputIndex))));
                _validated[link.NodeId] = false;
                return false;
            }
            finally
            {
                _visiting.RemoveAt(_visiting.Count - 1);
            }
        }

        private void ReportCycle(List<string> cycleNodes)
        {
            var path = cycleNodes.Append(cycleNodes[0])
                .Select(n => $"{n} ({workflow.Find(n)!.ClassType})");
            string details = string.Join(" -> ", path);
            var members = new JsonArray(cycleNodes.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray());
            foreach (string n in cycleNodes)
            {
                if (_errors.TryGetValue(n, out var list) && list.Any(e => e.Type == ComfyNames.Errors.DependencyCycle))
                {
                    continue;
                }

                AddError(n, new ValidationError(ComfyNames.Errors.DependencyCycle, "Dependency cycle detected", details,
                    new JsonObject { ["node_id"] = n, ["cycle_nodes"] = members.DeepClone() }));
                _validated[n] = false;
            }
        }

        private void AddError(string id, ValidationError error)
        {
            if (!_errors.TryGetValue(id, out var list))
            {
                _errors[id] = list = [];
            }

            list.Add(error);
        }

        private ValidationReport BuildReport(List<string> outputs, ValidationError? classError)
        {
            var entries = new List<NodeErrorEntry>();
            foreach (var node in workflow.Nodes)
            {
                if (_errors.TryGetValue(node.Id, out var list))
                {
                    var dependents = outputs.Where(o => DependsOn(o, node.Id)).ToArray();
                    entries.Add(new NodeErrorEntry(node.Id, node.ClassType, list, dependents));
                }
            }

            ValidationError? top = classError;
            if (top is null && entries.Count > 0)
            {
                string details = string.Join(
                    "\n", entries.SelectMany(e => e.Errors).Select(e => $"{e.Message}: {e.Details}"));
                top = new ValidationError(ComfyNames.Errors.PromptOutputsFailedValidation,
                    "Prompt outputs failed validation", details, new JsonObject());
            }

            var prepared = top is null ? _prepared : new Dictionary<string, PreparedNode>();
            return new ValidationReport(top, entries, outputs, prepared);
        }

        /// <summary>True when <paramref name="target"/> is <paramref name="output"/> or one of its ancestors.</summary>
        private bool DependsOn(string output, string target)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var stack = new Stack<string>([output]);
            while (stack.Count > 0)
            {
                string id = stack.Pop();
                if (id == target)
                {
                    return true;
                }

                if (!seen.Add(id) || workflow.Find(id) is not { } node)
                {
                    continue;
                }

                foreach (var (_, value) in node.Inputs)
                {
                    if (LinkParser.TryParse(value, out LinkRef link, out _))
                    {
                        stack.Push(link.NodeId);
                    }
                }
            }

            return false;
        }
    }
}
