using System.Globalization;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.TestSupport;

/// <summary>
/// Reads the tensor tables of <c>../shared/data/checkpoint-layouts</c>: a header line, then one row per tensor
/// with tab-separated name, comma-separated shape (empty for a scalar) and dtype (F32, F16, I64, ...).
/// </summary>
public static class LayoutTable
{
    /// <summary>One row of a table.</summary>
    public sealed record Row(string Name, long[] Shape, DType DType);

    /// <summary>Reads a table under <c>checkpoint-layouts/</c>; skips the test when shared data is absent.</summary>
    public static IReadOnlyList<Row> ReadOrIgnore(string relative)
    {
        return Read(SharedData.PathOrIgnore("checkpoint-layouts/" + relative));
    }

    /// <summary>Reads a table file.</summary>
    public static IReadOnlyList<Row> Read(string path)
    {
        var rows = new List<Row>();
        foreach (string line in File.ReadLines(path).Skip(1))
        {
            if (line.Length == 0)
            {
                continue;
            }

            string[] cells = line.Split('\t');
            long[] shape = cells[1].Length == 0
                ? []
                : cells[1].Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            rows.Add(new Row(cells[0], shape, Enum.Parse<DType>(cells[2])));
        }

        return rows;
    }
}
