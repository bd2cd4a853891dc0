using OnnxDiffusion.Core.Training;
using OnnxDiffusion.Runtime.Pipelines;

namespace OnnxDiffusion.Runtime.Training;

/// <summary>
/// Using trained tokens when sampling (the AnimaFastTrainPatchModel design, latent-formats.md §3.4 step 7): the
/// tokens, times reference_context_scale, are appended after the positive text context, as in training, so the
/// UNet sees <c>[77·k + N, D]</c>. Only the conditional branch gets them; a sampler that batches positive and
/// negative rows must then run them as separate UNet calls (their lengths differ).
/// </summary>
public static class ReferenceContextPatch
{
    /// <summary>A new context: <paramref name="context"/>'s rows, then <paramref name="scale"/> · tokens.</summary>
    /// <exception cref="ArgumentException">The token width differs from the context width.</exception>
    public static TextContext Apply(TextContext context, ContextTokens tokens, float scale)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Dim != context.Dim)
        {
            throw new ArgumentException(
                $"The trained tokens are {tokens.Dim}-d but the text context is {context.Dim}-d: they were trained for " +
                "another model family.", nameof(tokens));
        }

        var values = new float[context.Values.Length + tokens.Tokens.Length];
        context.Values.CopyTo(values, 0);
        for (int i = 0; i < tokens.Tokens.Length; i++)
        {
            values[context.Values.Length + i] = scale * tokens.Tokens[i];
        }

        return new TextContext(values, context.Tokens + tokens.Count, context.Dim, context.Pooled);
    }
}
