using System.Buffers.Binary;
using System.Text;
using OnnxDiffusion.Core.Latents;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Tests.Weights;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Core.Tests.Fuzz;

/// <summary>
/// Seeded mutation fuzzing of every parser (<see cref="FuzzHarness.Cases"/> cases per format per run): only the
/// project's typed exceptions may escape, allocations stay proportional to the file, nothing hangs.
/// Set ONNXDIFF_FUZZ_SEED to explore other seeds.
/// </summary>
[Category("Unit")]
public sealed class FormatFuzzTests
{
    private static readonly string[] s_jsonWords =
        ["F32", "F16", "BF16", "U8", "BOOL", "F8_E4M3", "I64", "U16", "dtype", "shape", "data_offsets",
            "__metadata__", "a"];

    private static readonly string[] s_npyWords =
        ["<f4", "<f2", "<f8", ">f4", "|u1", "<i8", "True", "False", "None", "descr", "shape", "fortran_order", "L"];

    [Test]
    public void Fuzz_Safetensors_OnlyTypedErrors()
    {
        byte[] valid = ValidSafetensors();
        FuzzReport report = FuzzHarness.Run(".safetensors", valid, MutateSafetensors, ReadWeights);
        FuzzHarness.AssertClean(report, "safetensors");
    }

    [Test]
    public void Fuzz_Ckpt_OnlyTypedErrors()
    {
        var (pickle, storages) = ValidCkptParts();
        byte[] valid = TorchZipWriter.BuildArchive(pickle, storages);
        FuzzReport report = FuzzHarness.Run(".ckpt", valid, (rng, b) => MutateCkpt(rng, b, pickle, storages),
            ReadWeights);
        FuzzHarness.AssertClean(report, "ckpt");
    }

    [Test]
    public void Fuzz_Npy_OnlyTypedErrors()
    {
        using var dir = new TempDir();
        NpyFile.Write(dir.File("v.npy"), new FloatTensor([1, 4, 3, 3], Enumerable.Range(0, 36).Select(i
            => i * 0.25f).ToArray()));
        byte[] valid = File.ReadAllBytes(dir.File("v.npy"));
        FuzzReport report = FuzzHarness.Run(".npy", valid, MutateNpy, path => NpyFile.Read(path));
        FuzzHarness.AssertClean(report, "npy");
    }

    [Test]
    public void Fuzz_ComfyLatent_OnlyTypedErrors()
    {
        using var dir = new TempDir();
        ComfyLatentFile.Write(dir.File("v.latent"), new FloatTensor([1, 4, 2, 3], new float[24]),
            new Dictionary<string, string> { ["prompt"] = "{\"3\": {\"class_type\": \"KSampler\"}}" });
        byte[] valid = File.ReadAllBytes(dir.File("v.latent"));
        FuzzReport report = FuzzHarness.Run(".latent", valid, MutateSafetensors, path => ComfyLatentFile.Read(path));
        FuzzHarness.AssertClean(report, "latent");
    }

    private static void ReadWeights(string path)
    {
        using IWeightSource source = WeightFile.Open(path);
        foreach (TensorInfo info in source.Tensors)
        {
            ReadOnlySpan<byte> bytes = source.GetBytes(info.Name);
            if (bytes.Length != info.ByteLength)
            {
                throw new InvalidOperationException($"'{info.Name}' returned {bytes.Length} bytes, info says "
                    + $"{info.ByteLength}");
            }

            _ = source.ReadFloat32(info.Name);
        }
    }

    private static byte[] ValidSafetensors()
    {
        using var dir = new TempDir();
        var tensors = WeightTestData.EveryDType(1);
        SafetensorsWriter.Write(dir.File("v.safetensors"), tensors, new Dictionary<string,
            string>
        { ["format"] = "pt" });
        return File.ReadAllBytes(dir.File("v.safetensors"));
    }

    private static byte[] MutateSafetensors(Random rng, byte[] valid)
    {
        if (rng.Next(2) == 0)
        {
            return Mutators.Generic(rng, valid);
        }

        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        string header = Encoding.UTF8.GetString(valid, 8, n);
        header = rng.Next(2) == 0 ? Mutators.MutateNumber(rng, header) : Mutators.MutateWord(rng, header, s_jsonWords);
        byte[] json = Mutators.Ascii(header);
        var result = new byte[8 + json.Length + valid.Length - 8 - n];
        ulong length = rng.Next(4) == 0 ? Mutators.Interesting[rng.Next(Mutators.Interesting.Length)]
            : (ulong)json.Length;
        BinaryPrimitives.WriteUInt64LittleEndian(result, length); // sometimes a lying length
        json.CopyTo(result, 8);
        valid.AsSpan(8 + n).CopyTo(result.AsSpan(8 + json.Length));
        return result;
    }

    private static (byte[] Pickle, List<(string Key, byte[] Data)> Storages) ValidCkptParts()
    {
        var rng = new Random(2);
        var storages = new List<(string Key, DType DType, byte[] Data)>
        {
            ("0", DType.F16, WeightTestData.RandomBytes(rng, DType.F16, [24])),
            ("1", DType.F32, WeightTestData.RandomBytes(rng, DType.F32, [6])),
            ("2", DType.I64, WeightTestData.RandomBytes(rng, DType.I64, [3])),
            ("3", DType.BF16, WeightTestData.RandomBytes(rng, DType.BF16, [4])),
        };
        TorchView[] views =
        [
            new("model.diffusion_model.conv.weight", "0", 0, [2, 3, 2, 2], [12, 4, 2, 1]),
            new("model.diffusion_model.conv.bias", "1", 0, [2], [1]),
            new("first_stage_model.t", "1", 0, [3, 2], [1, 3]),
            new("cond_stage_model.position_ids", "2", 0, [1, 3], [3, 1]),
            new("model.bf16", "3", 1, [3], [1]),
        ];
        var options = new TorchZipOptions
        {
            AsParameters = true,
            ExtraTopLevel = new Dictionary<string, long> { ["global_step"] = 470000 },
        };
        byte[] pickle = TorchZipWriter.BuildPickle(storages, views, options);
        return (pickle, storages.Select(s => (s.Key, s.Data)).ToList());
    }

    private static byte[] MutateCkpt(Random rng, byte[] valid, byte[] pickle, List<(string Key, byte[] Data)> storages)
    {
        switch (rng.Next(5))
        {
            case 0 or 1:
                return Mutators.Generic(rng, valid);
            case 2:
                return TorchZipWriter.BuildArchive(Mutators.Generic(rng, pickle), storages);
            case 3:
                byte[] p = Mutators.WriteInteresting(rng, (byte[])pickle.Clone(), rng.Next(pickle.Length));
                return TorchZipWriter.BuildArchive(p, storages);
            default:
                var forged = storages.ToList();
                int i = rng.Next(forged.Count);
                forged[i] = (forged[i].Key, Mutators.Generic(rng, forged[i].Data));
                return TorchZipWriter.BuildArchive(pickle, forged,
                    new TorchZipOptions { ForceZip64 = rng.Next(2) == 0 });
        }
    }

    private static byte[] MutateNpy(Random rng, byte[] valid)
    {
        if (rng.Next(2) == 0)
        {
            return Mutators.Generic(rng, valid);
        }

        int n = BinaryPrimitives.ReadUInt16LittleEndian(valid.AsSpan(8));
        string header = Encoding.ASCII.GetString(valid, 10, n);
        header = rng.Next(2) == 0 ? Mutators.MutateNumber(rng, header) : Mutators.MutateWord(rng, header, s_npyWords);
        byte[] text = Mutators.Ascii(header);
        bool v2 = rng.Next(3) == 0;
        int prefix = v2 ? 12 : 10;
        var result = new byte[prefix + text.Length + valid.Length - 10 - n];
        valid.AsSpan(0, 8).CopyTo(result);
        result[6] = v2 ? (byte)2 : (byte)1;
        uint length = rng.Next(4) == 0 ? (uint)Mutators.Interesting[rng.Next(Mutators.Interesting.Length)]
            : (uint)text.Length;
        if (v2)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(8), length);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(8), (ushort)length);
        }

        text.CopyTo(result, prefix);
        valid.AsSpan(10 + n).CopyTo(result.AsSpan(prefix + text.Length));
        return result;
    }
}
