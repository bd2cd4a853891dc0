using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Nodes.Workflows;

/// <summary>
/// A workflow failed validation; nothing ran. <see cref="Report"/> holds every error in ComfyUI's shape
/// (<see cref="ValidationReport.ToJson"/>); <see cref="OnnxDiffusionException.Code"/> is the top-level type.
/// Exit code 3.
/// </summary>
public sealed class WorkflowValidationException : OnnxDiffusionException
{
    /// <summary>Creates the error from a failed report.</summary>
    public WorkflowValidationException(ValidationReport report)
        : base(report?.Error?.Type ?? "invalid_prompt", report?.Summary() ?? "Invalid workflow.")
    {
        ArgumentNullException.ThrowIfNull(report);
        Report = report;
    }

    /// <summary>All errors found.</summary>
    public ValidationReport Report { get; }
}
