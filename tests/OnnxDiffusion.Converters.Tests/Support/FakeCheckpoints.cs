using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Converters.Tests.Support;

/// <summary>
/// Tiny safetensors files with the tensor names of other model kinds (SD2.x, SDXL, LoRA, ...), taken from the
/// published key tables in <c>../shared/data/checkpoint-layouts</c>. Every dimension is clamped to at most 2
/// (ranks and scalars kept), so a file of 2,500 tensors is a few kilobytes; detection looks at names and ranks.
/// </summary>
internal static class FakeCheckpoints
{
    /// <summary>
    /// Writes the tensors of a key table with clamped shapes and zero data; skips the test when the table is absent.
    /// </summary>
    public static string FromTable(string table, string path)
    {
        var tensors = new List<(string, DType, long[], byte[])>();
        foreach (LayoutTable.Row row in LayoutTable.ReadOrIgnore(table))
        {
            long[] shape = Array.ConvertAll(row.Shape, d => Math.Min(2L, d));
            long count = shape.Aggregate(1L, (a, d) => a * d);
            tensors.Add((row.Name, row.DType, shape, new byte[count * DTypes.SizeOf(row.DType)]));
        }

        SafetensorsWriter.Write(path, tensors);
        return path;
    }

    /// <summary>Writes the given payloads as safetensors.</summary>
    public static string Write(string path, IEnumerable<(string Name, DType DType, long[] Shape, byte[] Data)> tensors)
    {
        SafetensorsWriter.Write(path, tensors.ToList());
        return path;
    }
}
