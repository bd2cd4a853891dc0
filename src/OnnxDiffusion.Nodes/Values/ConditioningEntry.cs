using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Nodes.Values;

/// <summary>One <c>[cond_tensor, options_dict]</c> pair of a CONDITIONING list.</summary>
/// <param name="Embedding">Text-encoder hidden states <c>[B, T, D]</c> (SD1: <c>[1, 77·k, 768]</c>).</param>
/// <param name="Options">The options dict.</param>
public sealed record ConditioningEntry(FloatTensor Embedding, ConditioningOptions Options);
