using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Runtime.Onnx;

namespace OnnxDiffusion.Runtime.Components;

/// <summary>
/// Runs the CLIP text encoder: <c>input_ids</c> (int64 or int32, <c>[batch, tokens]</c>) →
/// <c>last_hidden_state</c> <c>[batch, tokens, width]</c>, <c>pooler_output</c> <c>[batch, width]</c>, and,
/// where the export has them, per-layer <c>hidden_states.N</c> for clip skip. Not thread-safe; does not own the session.
/// </summary>
public sealed class TextEncoderRunner
{
    /// <summary>Input name.</summary>
    public const string InputIdsName = "input_ids";

    /// <summary>Final hidden state (after the final LayerNorm).</summary>
    public const string LastHiddenStateName = "last_hidden_state";

    /// <summary>Pooled output at the end-of-text token.</summary>
    public const string PooledName = "pooler_output";

    private readonly ModelSession _session;
    private readonly TensorElementType _idsType;

    /// <summary>Wraps a text-encoder session.</summary>
    /// <exception cref="ModelFormatException">The model has no <c>input_ids</c> input.</exception>
    public TextEncoderRunner(ModelSession session)
    {
        _session = session;
        if (!session.Session.InputMetadata.TryGetValue(InputIdsName, out var meta))
        {
            throw new ModelFormatException($"{session.ModelPath} has no text-encoder input '{InputIdsName}' " +
                $"(inputs: {string.Join(", ", session.InputNames)}).");
        }

        _idsType = meta.ElementDataType;
    }

    /// <summary>Output names the model provides.</summary>
    public IReadOnlyList<string> OutputNames => _session.OutputNames;

    /// <summary>
    /// Encodes <paramref name="ids"/> (<paramref name="batch"/> rows of <paramref name="tokens"/>) and returns the
    /// requested outputs as float32 tensors, in the order asked.
    /// </summary>
    /// <exception cref="RuntimeFailureException">An output is not in the model.</exception>
    public FloatTensor[] Run(ReadOnlySpan<int> ids, int batch, int tokens, params string[] outputs)
    {
        if (ids.Length != batch * tokens)
        {
            throw new ArgumentException($"Got {ids.Length} ids for {batch}×{tokens}.", nameof(ids));
        }

        foreach (string name in outputs)
        {
            if (!_session.OutputNames.Contains(name))
            {
                throw new RuntimeFailureException($"{_session.ModelPath} has no output '{name}' " +
                    $"(outputs: {string.Join(", ", _session.OutputNames)}). Re-convert the package for clip skip.");
            }
        }

        long[] shape = [batch, tokens];
        using OrtValue input = _idsType switch
        {
            TensorElementType.Int32 => OrtValue.CreateTensorValueFromMemory(ids.ToArray(), shape),
            TensorElementType.Int64 => OrtValue.CreateTensorValueFromMemory(ToLong(ids), shape),
            _ => throw new ModelFormatException(
                $"{_session.ModelPath}: input_ids has element type {_idsType}; expected int32 or int64."),
        };
        using var runOptions = new RunOptions();
        using var results = _session.Session.Run(runOptions, [InputIdsName], [input], outputs);
        var tensors = new FloatTensor[outputs.Length];
        for (int i = 0; i < outputs.Length; i++)
        {
            tensors[i] = OrtTensors.ToFloat(results[i]);
        }

        return tensors;
    }

    private static long[] ToLong(ReadOnlySpan<int> ids)
    {
        var result = new long[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            result[i] = ids[i];
        }

        return result;
    }
}
