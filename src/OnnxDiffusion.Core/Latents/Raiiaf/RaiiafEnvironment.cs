using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using OnnxDiffusion.Core.Json;

namespace OnnxDiffusion.Core.Latents.Raiiaf;

/// <summary>One component of an ENVC chunk: an id, its canonical string and the sha256 of that string.</summary>
/// <param name="ComponentId">Identifier, e.g. <c>os</c>, <c>dotnet</c>, <c>onnxdiffusion</c>.</param>
/// <param name="CanonicalString">Text like <c>name=dotnet;version=10.0.0</c> (JSON key <c>cononical_str</c>).</param>
/// <param name="Sha256">Lower-case hex sha256 of the UTF-8 canonical string.</param>
public sealed record RaiiafEnvironmentComponent(string ComponentId, string CanonicalString, string Sha256)
{
    /// <summary>Creates a component, hashing <paramref name="canonicalString"/>.</summary>
    public static RaiiafEnvironmentComponent Create(string componentId, string canonicalString) =>
        new(componentId, canonicalString,
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalString))));
}

/// <summary>
/// Content of an ENVC chunk: <c>{"env_version": 1, "components": [{"component_id", "cononical_str" (sic,
/// upstream's spelling), "component_sha256_digest"}]}</c>. Upstream records torch/numpy/python/cuda/os/gpu and only
/// warns on differences; we record our own runtime. Purely descriptive: readers never reject a file for it.
/// </summary>
/// <param name="EnvVersion">Schema version (1).</param>
/// <param name="Components">Components in order.</param>
public sealed record RaiiafEnvironment(int EnvVersion, IReadOnlyList<RaiiafEnvironmentComponent> Components)
{
    /// <summary>Components describing this process: onnxdiffusion (producer version), dotnet and the OS.</summary>
    public static RaiiafEnvironment Current(string producerVersion) => new(1,
    [
        RaiiafEnvironmentComponent.Create("onnxdiffusion", $"name=onnxdiffusion;version={producerVersion}"),
        RaiiafEnvironmentComponent.Create("dotnet", $"name=dotnet;version={Environment.Version}"),
        RaiiafEnvironmentComponent.Create("os", $"name=os;version={RuntimeInformation.OSDescription}"),
    ]);

    /// <summary>UTF-8 JSON as upstream writes it (Python <c>json.dumps(..., indent=2)</c>).</summary>
    internal byte[] ToJsonBytes()
    {
        var components = new JsonArray();
        foreach (RaiiafEnvironmentComponent c in Components)
        {
            components.Add(new JsonObject
            {
                ["component_id"] = c.ComponentId,
                ["cononical_str"] = c.CanonicalString,
                ["component_sha256_digest"] = c.Sha256,
            });
        }

        var root = new JsonObject { ["env_version"] = EnvVersion, ["components"] = components };
        return Encoding.UTF8.GetBytes(PythonJson.Dumps(root, indent: 2));
    }

    /// <summary>Parses ENVC JSON; malformed content is a ModelFormatException.</summary>
    internal static RaiiafEnvironment Parse(ReadOnlySpan<byte> json, string context)
    {
        var reader = new JsonFields(context);
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            throw reader.Error("the environment JSON is not valid UTF-8 text");
        }

        JsonNode? node;
        try
        {
            var options = new System.Text.Json.JsonDocumentOptions { MaxDepth = 16, AllowDuplicateProperties = false };
            node = JsonNode.Parse(json, documentOptions: options);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or ArgumentException
                                       or InvalidOperationException)
        {
            throw reader.Error($"the environment JSON is invalid ({ex.Message})");
        }

        JsonObject root = reader.Object(node, "root");
        int version = (int)reader.Integer(root["env_version"], "env_version", 0, int.MaxValue);
        JsonArray array = reader.Array(root["components"], "components");
        var components = new List<RaiiafEnvironmentComponent>(array.Count);
        for (int i = 0; i < array.Count; i++)
        {
            JsonObject c = reader.Object(array[i], $"components[{i}]");
            components.Add(new RaiiafEnvironmentComponent(
                reader.String(c["component_id"], $"components[{i}].component_id"),
                reader.String(c["cononical_str"], $"components[{i}].cononical_str"),
                reader.String(c["component_sha256_digest"], $"components[{i}].component_sha256_digest")));
        }

        return new RaiiafEnvironment(version, components);
    }
}
