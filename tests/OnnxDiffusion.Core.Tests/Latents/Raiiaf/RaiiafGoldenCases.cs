using System.Text.Json.Nodes;
using OnnxDiffusion.Core.Latents.Raiiaf;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Tests.Latents.Raiiaf;

/// <summary>One golden file: its name, the latents and options our writer is given, and the expected storage.</summary>
public sealed record RaiiafGoldenCase(string Name, RaiiafLatent[] Latents, RaiiafWriteOptions Options)
{
    public override string ToString() => Name;
}

/// <summary>The golden RAIIAF cases under tests/data/golden/raiiaf (small, deterministic inputs).</summary>
internal static class RaiiafGoldenCases
{
    /// <summary>
    /// A 2x2 RGB PNG (76 bytes): signature, IHDR, one zlib IDAT, IEND, built with Python's zlib and struct.
    /// </summary>
    public static readonly byte[] TinyPng = Convert.FromHexString(
        "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a73000000134944415478da63f8cfc0c000c2" +
        "0cff1b1a1a001cf4047e9d718c3d0000000049454e44ae426082");

    public static IEnumerable<RaiiafGoldenCase> All()
    {
        RaiiafWriteOptions Base() => new()
        {
            ModelInfo = ModelInfo(),
            Environment = new RaiiafEnvironment(1,
            [
                RaiiafEnvironmentComponent.Create("onnxdiffusion", "name=onnxdiffusion;version=0.0.0-golden"),
                RaiiafEnvironmentComponent.Create("os", "name=os;version=Linux golden"),
            ]),
        };
        yield return new("f32-lossless-1x4x8x8", [new("samples", Exact(1, 1, 4, 8, 8))], Base());
        yield return new("f16-lossless-2x4x8x8", [new("samples", Exact(2, 2, 4, 8, 8))],
            Base() with { Float16 = true });
        yield return new("f32-lossy-1x4x8x8", [new("samples", Exact(3, 1, 4, 8, 8))], Base() with { Tolerance = 0.01 });
        yield return new("f32-uncompressed-1x4x4x4", [new("samples", Exact(4, 1, 4, 4, 4))],
            Base() with { Compress = false, Environment = null });
        yield return new("multi-with-image",
            [new("samples", Exact(5, 1, 4, 8, 8)), new("noise", Exact(6, 1, 4, 8, 8))],
            Base() with { Png = TinyPng, ImageExtra = new JsonObject { ["width"] = 2, ["height"] = 2 } });
        yield return new("video-5d-1x4x3x8x8", [new("samples", Exact(7, 1, 4, 3, 8, 8))], Base());
    }

    /// <summary>
    /// Values ((i·7919 + 31·seed) mod 2001 − 1000) / 256: exact in float16 and float32, so expected raw bytes and
    /// hashes can be computed independently of the codec.
    /// </summary>
    public static FloatTensor Exact(int seed, params int[] shape)
    {
        var t = new FloatTensor(shape);
        for (int i = 0; i < t.Length; i++)
        {
            t.Data[i] = ((((long)i * 7919) + (31 * seed)) % 2001 - 1000) / 256f;
        }

        return t;
    }

    private static RaiiafModelInfo ModelInfo() => new()
    {
        ModelName = "tiny-sd",
        Version = "1.0",
        Date = "2026-01-02T03:04:05.000006+00:00",
        Prompt = "a photo of a cat, caf\u00e9 \"quoted\"",
        Tags = ["test", "golden"],
        GenerationSettings = new JsonObject
        {
            ["seed"] = 42, ["steps"] = 20, ["sampler"] = "euler", ["cfg_scale"] = 7.5, ["scheduler"] = "normal",
            ["eta"] = 0.0, ["guidance"] = "cfg", ["precision"] = "fp32", ["deterministic"] = true,
        },
    };
}
