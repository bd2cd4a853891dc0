using System.CommandLine;
using System.Text.Json.Nodes;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Nodes;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Core.Json;
using OnnxDiffusion.Nodes.Schema;

namespace OnnxDiffusion.Cli.Commands;

/// <summary>
/// <c>onnxdiff nodes</c>: prints every registered node's schema as one JSON document in the shape of ComfyUI's
/// <c>GET /object_info</c> (file combos list the given input and model folders).
/// </summary>
public static class NodesCommand
{
    /// <summary>Creates the verb.</summary>
    public static Command Create()
    {
        var inputDir = new Option<string>("--input-dir")
        {
            Description = "Input folder whose files fill LoadImage/LoadLatent combos.",
            DefaultValueFactory = _ => "input",
        };
        var modelsDir = new Option<string>("--models-dir")
        {
            Description = "Model store (ComfyUI layout) whose files fill loader combos.",
            DefaultValueFactory = _ => "models",
        };
        var classType = new Option<string?>("--class")
        {
            Description = "Print only this class_type (as GET /object_info/{class} does).",
        };
        var command = new Command("nodes", "Print the schema of every node as ComfyUI /object_info JSON.");
        command.Options.Add(inputDir);
        command.Options.Add(modelsDir);
        command.Options.Add(classType);
        command.SetAction(parse =>
        {
            var env = NodeEnvironment.Create("output", parse.GetValue(inputDir)!, "temp", parse.GetValue(modelsDir)!);
            var info = ObjectInfo.Build(NodeRegistry.Default, env);
            string? only = parse.GetValue(classType);
            if (only is not null)
            {
                if (!NodeRegistry.Default.Contains(only))
                {
                    throw new InvalidInputException($"Unknown node class_type '{only}'. Registered: "
                        + string.Join(", ", NodeRegistry.Default.Nodes.Select(n => n.Schema.ClassType)) + ".");
                }

                var schema = NodeRegistry.Default.Get(only).Schema;
                info = new JsonObject { [only] = ObjectInfo.ForNode(schema, env) };
            }

            parse.InvocationConfiguration.Output.WriteLine(PythonJson.Dumps(info));
            return CliCommon.ExitOk;
        });
        return command;
    }
}
