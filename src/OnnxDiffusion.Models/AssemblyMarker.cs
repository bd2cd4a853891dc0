namespace OnnxDiffusion.Models;

/// <summary>Marker type for assembly-level lookups (reflection-based completeness tests).</summary>
public static class AssemblyMarker
{
}
