namespace OnnxDiffusion.Graph;

/// <summary>Marker type for assembly-level lookups (reflection-based completeness tests).</summary>
public static class AssemblyMarker
{
}
