namespace OnnxDiffusion.Graph;

/// <summary>
/// A weight the graph needs: its checkpoint key (the initializer name), element type and shape as declared by
/// the architecture.
/// </summary>
/// <param name="Key">
/// Full checkpoint key, e.g. <c>model.diffusion_model.input_blocks.1.0.in_layers.2.weight</c>.
/// </param>
/// <param name="ElementType">Element type the graph expects.</param>
/// <param name="Shape">Shape the graph expects.</param>
public sealed record ParameterSpec(string Key, ElementType ElementType, long[] Shape)
{
    /// <summary>Shape as text, e.g. <c>[320, 4, 3, 3]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>Number of elements.</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (long d in Shape)
            {
                n = checked(n * d);
            }

            return n;
        }
    }
}
