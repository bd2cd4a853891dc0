using System.Security.Cryptography;
using System.Text.Json.Nodes;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Packages;

namespace OnnxDiffusion.Converters.Export;

/// <summary>The non-ONNX files of a package: tokenizer, <c>model_index.json</c>, scheduler config, hashes.</summary>
public static class PackageFiles
{
    /// <summary>Files a CLIP tokenizer folder must have.</summary>
    public static IReadOnlyList<string> TokenizerFiles { get; } = ["vocab.json", "merges.txt"];

    /// <summary>
    /// Finds the tokenizer for a conversion: <paramref name="explicitDir"/> when given, else the <c>tokenizer/</c>
    /// folder of a diffusers source. Throws with what to pass when neither has vocab.json and merges.txt.
    /// </summary>
    public static string ResolveTokenizer(string? explicitDir, string sourcePath)
    {
        if (explicitDir is not null)
        {
            return CheckTokenizer(explicitDir, "--tokenizer");
        }

        string candidate = Path.Combine(sourcePath, "tokenizer");
        if (Directory.Exists(sourcePath) && Directory.Exists(candidate))
        {
            return CheckTokenizer(candidate, "the diffusers folder's tokenizer/");
        }

        throw new InvalidInputException(
            $"{Path.GetFileName(sourcePath)} carries no tokenizer (single-file checkpoints never do). Pass " +
            "--tokenizer DIR with the CLIP ViT-L/14 vocab.json and merges.txt (the tokenizer/ folder of any SD1.5 " +
            "diffusers model, or ComfyUI's comfy/sd1_tokenizer/).");
    }

    /// <summary>Copies the tokenizer files (and any *.json beside them) into <c>tokenizer/</c> of a package.</summary>
    public static void CopyTokenizer(string tokenizerDir, string packageDir)
    {
        string target = Path.Combine(packageDir, PackageLayout.Tokenizer);
        Directory.CreateDirectory(target);
        foreach (string file in Directory.EnumerateFiles(tokenizerDir))
        {
            string name = Path.GetFileName(file);
            if (TokenizerFiles.Contains(name) || name.EndsWith(".json", StringComparison.Ordinal))
            {
                File.Copy(file, Path.Combine(target, name), overwrite: true);
            }
        }
    }

    /// <summary>Writes <c>model_index.json</c> and <c>scheduler/scheduler_config.json</c> as diffusers' ONNX pipeline expects.</summary>
    public static void WriteDiffusersIndex(string packageDir)
    {
        static JsonArray Pair(string library, string type) => [library, type];
        var index = new JsonObject
        {
            ["_class_name"] = "OnnxStableDiffusionPipeline",
            ["_diffusers_version"] = "0.30.0",
            ["requires_safety_checker"] = false,
            ["feature_extractor"] = new JsonArray(null, null),
            ["safety_checker"] = new JsonArray(null, null),
            ["scheduler"] = Pair("diffusers", "PNDMScheduler"),
            ["text_encoder"] = Pair("diffusers", "OnnxRuntimeModel"),
            ["tokenizer"] = Pair("transformers", "CLIPTokenizer"),
            ["unet"] = Pair("diffusers", "OnnxRuntimeModel"),
            ["vae_decoder"] = Pair("diffusers", "OnnxRuntimeModel"),
            ["vae_encoder"] = Pair("diffusers", "OnnxRuntimeModel"),
        };
        File.WriteAllText(Path.Combine(packageDir, "model_index.json"), index.ToJsonString(s_indented));
        var scheduler = new JsonObject
        {
            ["_class_name"] = "PNDMScheduler",
            ["beta_start"] = 0.00085,
            ["beta_end"] = 0.012,
            ["beta_schedule"] = "scaled_linear",
            ["num_train_timesteps"] = 1000,
            ["prediction_type"] = "epsilon",
            ["set_alpha_to_one"] = false,
            ["skip_prk_steps"] = true,
            ["steps_offset"] = 1,
        };
        Directory.CreateDirectory(Path.Combine(packageDir, "scheduler"));
        File.WriteAllText(Path.Combine(packageDir, "scheduler", "scheduler_config.json"), scheduler.ToJsonString(s_indented));
    }

    /// <summary>sha256 (hex) of a checkpoint file, or of every file of a folder in ordinal path order.</summary>
    public static string Sha256(string path)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        IEnumerable<string> files = File.Exists(path)
            ? [path]
            : Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal);
        byte[] buffer = new byte[1 << 20];
        foreach (string file in files)
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            int n;
            while ((n = stream.Read(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, n);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static readonly System.Text.Json.JsonSerializerOptions s_indented = new() { WriteIndented = true };

    private static string CheckTokenizer(string dir, string what)
    {
        var missing = TokenizerFiles.Where(f => !File.Exists(Path.Combine(dir, f))).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidInputException(
                $"{what} ({dir}) lacks {string.Join(" and ", missing)}; a CLIP tokenizer folder needs vocab.json and merges.txt.");
        }

        return dir;
    }
}
