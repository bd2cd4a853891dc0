using System.Runtime.InteropServices;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Layouts;
using OnnxDiffusion.TestSupport;
using OnnxDiffusion.TestSupport.Reference;

namespace OnnxDiffusion.Converters.Tests.Support;

/// <summary>
/// The weights of a tiny SD1.x checkpoint, made by the tests themselves (not by the product's synthetic generator):
/// every tensor of the LDM layout with values from a <see cref="RandomWeightBank"/> (norm scales and biases random
/// too, so swapped keys change outputs), optionally rounded to fp16. Writes them as safetensors or PyTorch zip
/// and hands the same float values to the naive references.
/// </summary>
internal sealed class TinyCheckpoint
{
    private readonly Dictionary<string, (float[] Data, int[] Shape)> _values = new(StringComparer.Ordinal);

    private TinyCheckpoint(Sd15Config config, DType dtype)
    {
        Config = config;
        DType = dtype;
    }

    /// <summary>Sizes of the checkpoint.</summary>
    public Sd15Config Config { get; }

    /// <summary>Storage type of the float tensors (F32 or F16).</summary>
    public DType DType { get; }

    /// <summary>Every tensor in layout order: LDM name, stored dtype, shape.</summary>
    public List<(string Name, DType DType, long[] Shape)> Tensors { get; } = [];

    /// <summary>
    /// Random weights for <paramref name="config"/>; with <paramref name="dtype"/> F16 the float values are the
    /// fp16-rounded ones (what the file holds, widened).
    /// </summary>
    public static TinyCheckpoint Create(Sd15Config config, int seed, DType dtype = DType.F32)
    {
        var checkpoint = new TinyCheckpoint(config, dtype);
        var bank = new RandomWeightBank(seed);
        foreach ((string name, long[] shape) in Sd15Layout.Enumerate(config))
        {
            DType stored = Sd15Layout.StoredDType(name, dtype);
            checkpoint.Tensors.Add((name, stored, shape));
            if (name == Sd15Layout.PositionIdsKey)
            {
                continue;
            }

            int[] dims = Array.ConvertAll(shape, d => checked((int)d));
            float[] values = (float[])bank.GetOrCreate(name, dims).Clone();
            if (dtype == DType.F16)
            {
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (float)(Half)values[i];
                }
            }

            checkpoint._values[name] = (values, dims);
        }

        return checkpoint;
    }

    /// <summary>The weights for the naive references (LDM keys and shapes, float values as stored).</summary>
    public ReferenceWeights Reference => new(key => _values.TryGetValue(key, out var t)
        ? t
        : throw new KeyNotFoundException($"The tiny checkpoint has no tensor {key}."));

    /// <summary>Float values of one tensor (as stored, widened).</summary>
    public float[] Values(string name) => _values[name].Data;

    /// <summary>The stored bytes of one tensor (little-endian, C order) in <paramref name="dtype"/>.</summary>
    public byte[] Bytes(string name, DType dtype)
    {
        if (name == Sd15Layout.PositionIdsKey)
        {
            long count = Tensors.First(t => t.Name == name).Shape.Aggregate(1L, (a, d) => a * d);
            long[] ids = new long[count];
            for (int i = 0; i < ids.Length; i++)
            {
                ids[i] = i;
            }

            return MemoryMarshal.AsBytes(ids.AsSpan()).ToArray();
        }

        float[] values = _values[name].Data;
        if (dtype == DType.F32)
        {
            return MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        }

        Half[] halves = Array.ConvertAll(values, v => (Half)v);
        return MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
    }

    /// <summary>
    /// The tensors to write: name (after <paramref name="rename"/>), dtype, shape and bytes. Float tensors use
    /// <paramref name="floatType"/> (default: the checkpoint's own), position ids stay I64.
    /// </summary>
    public List<(string Name, DType DType, long[] Shape, byte[] Data)> Payloads(
        DType? floatType = null, Func<string, string>? rename = null)
    {
        DType target = floatType ?? DType;
        return Tensors.Select(t =>
        {
            DType stored = Sd15Layout.StoredDType(t.Name, target);
            return (rename?.Invoke(t.Name) ?? t.Name, stored, t.Shape, Bytes(t.Name, stored));
        }).ToList();
    }

    /// <summary>Writes an LDM <c>.safetensors</c> file.</summary>
    public string WriteSafetensors(string path, DType? floatType = null, Func<string, string>? rename = null)
    {
        SafetensorsWriter.Write(path, Payloads(floatType, rename));
        return path;
    }

    /// <summary>Writes a PyTorch zip <c>.ckpt</c> (nested under <c>state_dict</c> or flat).</summary>
    public string WriteCkpt(string path, bool nestUnderStateDict)
    {
        TorchZipWriter.Write(path, Payloads(), new TorchZipOptions
        {
            NestUnderStateDict = nestUnderStateDict,
            ExtraTopLevel = nestUnderStateDict ? new Dictionary<string, long> { ["global_step"] = 840000 } : null,
        });
        return path;
    }
}
