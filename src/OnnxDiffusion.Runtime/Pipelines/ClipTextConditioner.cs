using System.Runtime.InteropServices;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Serialization;
using OnnxDiffusion.Runtime.Components;
using OnnxDiffusion.Runtime.Tokenizer;

namespace OnnxDiffusion.Runtime.Pipelines;

/// <summary>
/// Prompt → text conditioning as ComfyUI's CLIPTextEncode does it: ComfyUI prompt syntax and weights, 77-token
/// chunks encoded as one batch and concatenated (<c>[77·k, D]</c>), pooled output from the first chunk, weights
/// applied against the encoded empty prompt, and clip skip (<c>CLIPSetLastLayer</c> −k) as
/// final_layer_norm(hidden_states.(L+1−k)). Not thread-safe; owns nothing.
/// </summary>
public sealed class ClipTextConditioner
{
    /// <summary>Key of the final LayerNorm in SD1.x checkpoints (and so in our exported initializers).</summary>
    public const string FinalLayerNormKey = "cond_stage_model.transformer.text_model.final_layer_norm";

    private readonly TextEncoderRunner _runner;
    private readonly ClipPromptTokenizer _tokenizer;
    private readonly string _modelPath;
    private (float[] Scale, float[] Bias)? _finalNorm;
    private float[]? _emptyHidden;
    private int _emptyClipSkip;

    /// <summary>Creates a conditioner over a text-encoder runner and the package's tokenizer.</summary>
    public ClipTextConditioner(TextEncoderRunner runner, ClipPromptTokenizer tokenizer, string modelPath)
    {
        _runner = runner;
        _tokenizer = tokenizer;
        _modelPath = modelPath;
    }

    /// <summary>The tokenizer used.</summary>
    public ClipPromptTokenizer Tokenizer => _tokenizer;

    /// <summary>Encodes <paramref name="prompt"/>; <paramref name="clipSkip"/> 1 = last layer (ComfyUI −1).</summary>
    /// <exception cref="InvalidInputException">clip skip out of range, or the export lacks per-layer outputs.</exception>
    public TextContext Encode(string prompt, int clipSkip = 1)
    {
        TokenizedPrompt tokens = _tokenizer.Tokenize(prompt);
        int chunks = tokens.Chunks.Count;
        int length = _tokenizer.MaxLength;
        var ids = new int[chunks * length];
        for (int c = 0; c < chunks; c++)
        {
            tokens.Chunks[c].Ids.CopyTo(ids, c * length);
        }

        var (hidden, pooled) = EncodeIds(ids, chunks, clipSkip);
        int dim = hidden.Shape[^1];
        if (tokens.HasWeights)
        {
            float[] empty = EmptyHidden(clipSkip);
            for (int c = 0; c < chunks; c++)
            {
                TokenWeighting.Apply(hidden.Data.AsSpan(c * length * dim, length * dim), empty,
                    tokens.Chunks[c].Weights, dim);
            }
        }

        float[] firstPooled = pooled.Data.AsSpan(0, pooled.Shape[^1]).ToArray();
        return new TextContext(hidden.Data, chunks * length, dim, firstPooled);
    }

    private float[] EmptyHidden(int clipSkip)
    {
        if (_emptyHidden is null || _emptyClipSkip != clipSkip)
        {
            _emptyHidden = EncodeIds(_tokenizer.EmptyTokens(), 1, clipSkip).Hidden.Data;
            _emptyClipSkip = clipSkip;
        }

        return _emptyHidden;
    }

    private (FloatTensor Hidden, FloatTensor Pooled) EncodeIds(int[] ids, int batch, int clipSkip)
    {
        int length = ids.Length / batch;
        if (clipSkip <= 1)
        {
            FloatTensor[] outputs = _runner.Run(ids, batch, length,
                TextEncoderRunner.LastHiddenStateName, TextEncoderRunner.PooledName);
            return (outputs[0], outputs[1]);
        }

        int layers = _runner.OutputNames.Count(n => n.StartsWith("hidden_states.", StringComparison.Ordinal)) - 1;
        if (layers < 1)
        {
            throw new InvalidInputException(
                $"{_modelPath} has no hidden_states.N outputs, so clip skip {clipSkip} is not available. Re-convert " +
                "the checkpoint with onnxdiff convert (it exports them), or use clip skip 1.");
        }

        if (clipSkip > layers)
        {
            throw new InvalidInputException($"clip skip {clipSkip} is beyond the text encoder's {layers} layers.");
        }

        string name = $"hidden_states.{layers + 1 - clipSkip}";
        FloatTensor[] result = _runner.Run(ids, batch, length, name, TextEncoderRunner.PooledName);
        ApplyFinalNorm(result[0]);
        return (result[0], result[1]);
    }

    private void ApplyFinalNorm(FloatTensor hidden)
    {
        _finalNorm ??= LoadFinalNorm();
        var (scale, bias) = _finalNorm.Value;
        int dim = scale.Length;
        for (int row = 0; row < hidden.Length / dim; row++)
        {
            Span<float> x = hidden.Data.AsSpan(row * dim, dim);
            double mean = 0, variance = 0;
            foreach (float v in x)
            {
                mean += v;
            }

            mean /= dim;
            foreach (float v in x)
            {
                variance += (v - mean) * (v - mean);
            }

            double inv = 1.0 / Math.Sqrt(variance / dim + 1e-5);
            for (int j = 0; j < dim; j++)
            {
                x[j] = (float)((x[j] - mean) * inv * scale[j] + bias[j]);
            }
        }
    }

    private (float[] Scale, float[] Bias) LoadFinalNorm()
    {
        OnnxModel model = ModelLoader.Load(_modelPath);
        return (ReadFloats(model, FinalLayerNormKey + ".weight"), ReadFloats(model, FinalLayerNormKey + ".bias"));
    }

    private float[] ReadFloats(OnnxModel model, string key)
    {
        if (!model.Initializers.TryGetValue(key, out IInitializerData? data) || data.ElementType != ElementType.Float)
        {
            throw new InvalidInputException(
                $"{_modelPath} has no float initializer '{key}', which clip skip needs. Use clip skip 1 with this package.");
        }

        using var stream = new MemoryStream();
        data.WriteTo(stream);
        return MemoryMarshal.Cast<byte, float>(stream.ToArray()).ToArray();
    }
}
