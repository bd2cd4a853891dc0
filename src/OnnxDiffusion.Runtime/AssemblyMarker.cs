namespace OnnxDiffusion.Runtime;

/// <summary>Marker type for assembly-level lookups (reflection-based completeness tests).</summary>
public static class AssemblyMarker
{
}
