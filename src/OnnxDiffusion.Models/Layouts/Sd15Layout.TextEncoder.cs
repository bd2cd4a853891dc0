using OnnxDiffusion.Models.Configs;

namespace OnnxDiffusion.Models.Layouts;

/// <summary>CLIP text encoder part of the SD1.x layout (Hugging Face CLIPTextModel order).</summary>
public static partial class Sd15Layout
{
    private static void AddTextEncoder(LayoutBuilder b, ClipTextConfig config)
    {
        const string P = TextEncoderPrefix;
        int w = config.Width;
        b.Add(P + "embeddings.token_embedding.weight", config.VocabSize, w);      // [vocab, W]
        b.Add(P + "embeddings.position_embedding.weight", config.MaxPositions, w); // [77, W]
        b.Add(PositionIdsKey, 1, config.MaxPositions);                            // [1, 77] I64
        for (int i = 0; i < config.Layers; i++)
        {
            string layer = $"{P}encoder.layers.{i}";
            b.Linear(layer + ".self_attn.k_proj", w, w);
            b.Linear(layer + ".self_attn.v_proj", w, w);
            b.Linear(layer + ".self_attn.q_proj", w, w);
            b.Linear(layer + ".self_attn.out_proj", w, w);
            b.Norm(layer + ".layer_norm1", w);
            b.Linear(layer + ".mlp.fc1", config.MlpWidth, w);
            b.Linear(layer + ".mlp.fc2", w, config.MlpWidth);
            b.Norm(layer + ".layer_norm2", w);
        }

        b.Norm(P + "final_layer_norm", w);
    }
}
