using System.Text.Json.Nodes;

namespace OnnxDiffusion.Core.Latents.Raiiaf;

/// <summary>
/// The manifest's <c>model_info</c> object. The upstream JSON schema requires <c>model_name</c>, <c>version</c>,
/// <c>date</c> (UTC ISO 8601), <c>prompt</c> and <c>tags</c>; <c>generation_settings</c> (schema: seed ≥ 0,
/// steps ≥ 1, sampler required) and <c>hardware_info</c> (os required) are optional and are written only when set
/// (the upstream defaults would fail its own schema). The JSON objects are kept as given; do not modify them after
/// passing them in.
/// </summary>
public sealed record RaiiafModelInfo
{
    /// <summary>Name of the model that produced the latents.</summary>
    public string ModelName { get; init; } = "";

    /// <summary>Model version text.</summary>
    public string Version { get; init; } = "";

    /// <summary>UTC date, ISO 8601, as Python's <c>datetime.now(UTC).isoformat()</c>; empty: set on write.</summary>
    public string Date { get; init; } = "";

    /// <summary>Prompt used for generation.</summary>
    public string Prompt { get; init; } = "";

    /// <summary>Free-form tags.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Optional <c>generation_settings</c> object (seed, steps, sampler, cfg_scale, ...).</summary>
    public JsonObject? GenerationSettings { get; init; }

    /// <summary>Optional <c>hardware_info</c> object (os, cpu, gpu, ...).</summary>
    public JsonObject? HardwareInfo { get; init; }

    /// <summary>
    /// Any other keys found in a parsed <c>model_info</c>, kept so that a rewrite preserves them (written after
    /// the known keys). Empty for new files.
    /// </summary>
    public JsonObject? Additional { get; init; }
}
