using OnnxDiffusion.Graph;

namespace OnnxDiffusion.Models.Architectures;

/// <summary>Export choices for <see cref="ClipTextModel"/> that are not part of the checkpoint.</summary>
public sealed record ClipTextModelOptions
{
    /// <summary>
    /// Key prefix of the text model tensors, without the trailing dot (SD1 single file:
    /// <c>cond_stage_model.transformer.text_model</c>).
    /// </summary>
    public string KeyPrefix { get; init; } = "cond_stage_model.transformer.text_model";

    /// <summary>
    /// Also output <c>hidden_states.0</c> … <c>hidden_states.L</c> (embeddings, then each layer's output before the
    /// final LayerNorm; Hugging Face <c>output_hidden_states</c> order) so a runtime can implement clip skip.
    /// ComfyUI's clip skip −k (<c>CLIPSetLastLayer</c>) is <c>final_layer_norm(hidden_states.(L+1−k))</c>; use
    /// <see cref="ClipSkip"/> to bake that into <c>last_hidden_state</c>.
    /// </summary>
    public bool HiddenStatesOutputs { get; init; } = true;

    /// <summary>
    /// 1 (default): <c>last_hidden_state</c> is the final layer after the final LayerNorm. k &gt; 1 bakes ComfyUI /
    /// A1111 clip skip: <c>last_hidden_state</c> = final_layer_norm(output of layer L+1−k). <c>pooler_output</c>
    /// always comes from the final layer, as in ComfyUI.
    /// </summary>
    public int ClipSkip { get; init; } = 1;

    /// <summary>Graph name, opset and metadata; null = graph name <c>text_encoder</c>, opset 23.</summary>
    public GraphBuilderOptions? Graph { get; init; }
}
