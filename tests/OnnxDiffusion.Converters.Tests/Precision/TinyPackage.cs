using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Ops;
using OnnxDiffusion.Graph.Serialization;

namespace OnnxDiffusion.Converters.Tests.Precision;

/// <summary>
/// A tiny fp32 model package in the diffusers/optimum layout with the exact I/O names (text encoder
/// <c>input_ids</c> → <c>last_hidden_state</c>, <c>pooler_output</c>; UNet <c>sample</c>, <c>timestep</c>,
/// <c>encoder_hidden_states</c> → <c>out_sample</c>; VAE decoder <c>latent_sample</c> → <c>sample</c>), LDM-style
/// node names, tokenizer files, model_index.json and a manifest. Shared (linked) by the CLI tests.
/// </summary>
internal static class TinyPackage
{
    public const int Tokens = 8, Width = 32, Latent = 8;

    public static void Write(string folder, bool externalUNetData = false)
    {
        Directory.CreateDirectory(Path.Combine(folder, PackageLayout.Tokenizer));
        File.WriteAllText(Path.Combine(folder, PackageLayout.Tokenizer, "vocab.json"), "{\"a</w>\": 0}");
        File.WriteAllText(Path.Combine(folder, PackageLayout.Tokenizer, "merges.txt"), "#version: 0.2\n");
        File.WriteAllText(Path.Combine(folder, "model_index.json"),
            "{\"_class_name\": \"OnnxStableDiffusionPipeline\"}");
        File.WriteAllText(Path.Combine(folder, PackageManifest.FileName), PackageManifest.InferDefault().ToJson());
        ModelWriter.Write(TextEncoder(), Path.Combine(folder, PackageLayout.TextEncoder, PackageLayout.ModelFile));
        ModelWriter.Write(UNet(), Path.Combine(folder, PackageLayout.UNet, PackageLayout.ModelFile),
            new ModelWriteOptions { ForceExternalData = externalUNetData });
        ModelWriter.Write(VaeDecoder(), Path.Combine(folder, PackageLayout.VaeDecoder, PackageLayout.ModelFile));
        File.WriteAllText(Path.Combine(folder, PackageLayout.UNet, "config.json"), "{}");
    }

    /// <summary>Seeded inputs for one component.</summary>
    public static Dictionary<string, Array> Inputs(string component, int seed)
    {
        var random = new Random(seed);
        float[] Floats(int n) => Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        return component switch
        {
            PackageLayout.TextEncoder => new() { ["input_ids"] = Enumerable.Range(0, Tokens)
                .Select(_ => (long)random.Next(0, 100)).ToArray() },
            PackageLayout.UNet => new()
            {
                ["sample"] = Floats(4 * Latent * Latent),
                ["timestep"] = new[] { (float)random.Next(1, 1000) },
                ["encoder_hidden_states"] = Floats(Tokens * Width),
            },
            _ => new() { ["latent_sample"] = Floats(4 * Latent * Latent) },
        };
    }

    /// <summary>Shapes of <see cref="Inputs"/>.</summary>
    public static long[] ShapeOf(string input) => input switch
    {
        "input_ids" => [1, Tokens],
        "timestep" => [1],
        "encoder_hidden_states" => [1, Tokens, Width],
        _ => [1, 4, Latent, Latent],
    };

    private static OnnxModel TextEncoder()
    {
        var b = new GraphBuilder();
        Value ids = b.Input("input_ids", ElementType.Int64, 1, Tokens);
        Value h;
        using (b.Scope("cond_stage_model.transformer.text_model"))
        {
            h = b.Embedding(ids, "embeddings.token_embedding", 100, Width);          // [1, 8, 32]
            Value n = b.LayerNorm(h, "encoder.layers.0.layer_norm1");
            Value mlp = b.Gelu(b.Linear(n, "encoder.layers.0.mlp.fc1", 64));                 // [1, 8, 64]
            h = b.Add(h, b.Linear(mlp, "encoder.layers.0.mlp.fc2", Width));
            h = b.LayerNorm(h, "final_layer_norm");
        }

        b.Output(h, "last_hidden_state");
        b.Output(b.ReduceMean(h, [1], keepDims: false), "pooler_output");          // [1, 32]
        return b.Build(new PackageWeights(11));
    }

    private static OnnxModel UNet()
    {
        var b = new GraphBuilder();
        Value sample = b.Input("sample", ElementType.Float, 1, 4, Latent, Latent);
        Value timestep = b.Input("timestep", ElementType.Float, 1);
        Value context = b.Input("encoder_hidden_states", ElementType.Float, 1, Tokens, Width);
        Value h;
        using (b.Scope("model.diffusion_model"))
        {
            h = b.Conv2d(sample, "input_blocks.0.0", Width, 3, padding: 1);          // [1, 32, 8, 8]
            Value temb = TimeEmbedding(b, timestep);                                 // [1, 32]
            using (b.Scope("input_blocks.1.0"))
            {
                Value t = b.Conv2d(b.Silu(b.GroupNorm(h, "in_layers.0", 8)), "in_layers.2", Width, 3, padding: 1);
                t = b.Add(t, b.Reshape(b.Linear(b.Silu(temb), "emb_layers.1", Width), 1, Width, 1, 1));
                h = b.Add(h, b.Conv2d(b.Silu(b.GroupNorm(t, "out_layers.0", 8)), "out_layers.3", Width, 3, padding: 1));
            }

            using (b.Scope("input_blocks.1.1"))
            {
                Value tokens = b.Transpose(b.Reshape(h, 1, Width, Latent * Latent), 0, 2, 1);   // [1, 64, 32]
                Value n = b.LayerNorm(tokens, "transformer_blocks.0.norm2");
                Value q = b.Linear(n, "transformer_blocks.0.attn2.to_q", Width, bias: false);
                Value k = b.Linear(context, "transformer_blocks.0.attn2.to_k", Width, bias: false);
                Value v = b.Linear(context, "transformer_blocks.0.attn2.to_v", Width, bias: false);
                Value a = b.Attention(q, k, v, AttentionOptions.Heads(2));
                tokens = b.Add(tokens, b.Linear(a, "transformer_blocks.0.attn2.to_out.0", Width));
                h = b.Reshape(b.Transpose(tokens, 0, 2, 1), 1, Width, Latent, Latent);
            }

            h = b.Conv2d(b.Silu(b.GroupNorm(h, "out.0", 8)), "out.2", 4, 3, padding: 1);
        }

        b.Output(h, "out_sample");
        return b.Build(new PackageWeights(12));
    }

    private static Value TimeEmbedding(GraphBuilder b, Value t)
    {
        float[] freqs = Enumerable.Range(0, Width / 2).Select(i => MathF.Exp(-MathF.Log(10000f) * i / (Width / 2)))
            .ToArray();
        Value args = b.Mul(b.Unsqueeze(t, 1), b.ConstantFloat(freqs, [Width / 2]));   // [1, 16]
        Value e = b.Concat(-1, b.Cos(args), b.Sin(args));                            // [1, 32]
        using (b.Scope("time_embed"))
        {
            return b.Linear(b.Silu(b.Linear(e, "0", Width)), "2", Width);            // [1, 32]
        }
    }

    private static OnnxModel VaeDecoder()
    {
        var b = new GraphBuilder();
        Value z = b.Input("latent_sample", ElementType.Float, 1, 4, Latent, Latent);
        Value h;
        using (b.Scope("first_stage_model.decoder"))
        {
            h = b.Conv2d(z, "conv_in", 16, 3, padding: 1);                           // [1, 16, 8, 8]
            h = b.Add(h, b.Conv2d(b.Silu(b.GroupNorm(h, "up.1.block.0.norm1", 4)), "up.1.block.0.conv1", 16, 3,
                padding: 1));
            h = b.Conv2d(b.ResizeNearest(h, [1, 1, 2, 2]), "up.1.upsample.conv", 16, 3, padding: 1);   // 16×16
            h = b.Conv2d(b.Silu(b.GroupNorm(h, "norm_out", 4)), "conv_out", 3, 3, padding: 1);     // [1, 3, 16, 16]
        }

        b.Output(h, "sample");
        return b.Build(new PackageWeights(13));
    }

    /// <summary>Seeded weights: Xavier-like uniform, norm scales near 1.</summary>
    private sealed class PackageWeights(int seed) : IInitializerSource
    {
        public bool TryGet(
            ParameterSpec spec, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IInitializerData? data)
        {
            int hash = spec.Key.Aggregate(seed, (h, c) => unchecked((h * 31) + c));
            var random = new Random(hash & 0x7FFFFFFF);
            double fanIn = spec.Shape.Length >= 2 ? spec.Shape.Skip(1).Aggregate(1L, (a, d) => a * d) : 1;
            bool normScale = spec.Key.Contains("norm", StringComparison.Ordinal) && spec.Key.EndsWith(".weight",
                StringComparison.Ordinal);
            double scale = spec.Key.Contains("embedding", StringComparison.Ordinal) ? 1
                : spec.Shape.Length >= 2 ? Math.Sqrt(3 / fanIn) : 0.1;
            float[] values = Enumerable.Range(0, (int)spec.ElementCount).Select(_ =>
            {
                double u = (random.NextDouble() * 2) - 1;
                return (float)(normScale ? 1 + (0.1 * u) : scale * u);
            }).ToArray();
            data = InitializerData.FromFloats(values, spec.Shape);
            return true;
        }
    }
}
