using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Runtime.Tokenizer;

namespace OnnxDiffusion.Cli.Commands;

/// <summary>
/// <c>onnxdiff tokenize --model DIR [--json] "prompt"</c>: shows how ComfyUI would tokenize a prompt for SD1 CLIP
/// (weights, 77-token chunks, the 75-token limit).
/// </summary>
public static class TokenizeCommand
{
    /// <summary>Creates the verb.</summary>
    public static Command Create()
    {
        var model = new Option<string>("--model")
        {
            Description = "Model package folder (with tokenizer/vocab.json and merges.txt) or the tokenizer folder.",
            Required = true,
        };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
        var padZero = new Option<bool>("--pad-zero")
        {
            Description = "Pad with id 0 after the end token (SD2 CLIP-H, SDXL clip_g) instead of the end token.",
        };
        var prompt = new Argument<string>("prompt") { Description = "Prompt text, with ComfyUI (word:1.2) weights." };
        var command = new Command("tokenize", "Tokenize a prompt as ComfyUI does for CLIP: ids, weights, chunks.");
        command.Options.Add(model);
        command.Options.Add(json);
        command.Options.Add(padZero);
        command.Arguments.Add(prompt);
        command.SetAction(parse =>
        {
            ClipTokenizer tokenizer = ClipTokenizer.FromDirectory(ResolveTokenizerDirectory(parse.GetValue(model)!));
            var promptTokenizer = new ClipPromptTokenizer(tokenizer, padWithEnd: !parse.GetValue(padZero));
            TokenizedPrompt result = promptTokenizer.Tokenize(parse.GetValue(prompt) ?? string.Empty);
            TextWriter output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                output.WriteLine(ToJson(result, promptTokenizer.ChunkCapacity));
            }
            else
            {
                WriteText(output, result, promptTokenizer);
            }

            return CliCommon.ExitOk;
        });
        return command;
    }

    /// <summary>The folder holding vocab.json: <paramref name="path"/> itself or its <c>tokenizer</c> child.</summary>
    /// <exception cref="InvalidInputException">Neither holds vocab.json.</exception>
    public static string ResolveTokenizerDirectory(string path)
    {
        foreach (string candidate in (ReadOnlySpan<string>)[path, Path.Combine(path, "tokenizer")])
        {
            if (File.Exists(Path.Combine(candidate, "vocab.json")))
            {
                return candidate;
            }
        }

        throw new InvalidInputException(
            $"No CLIP tokenizer at '{path}': expected '{Path.Combine(path, "vocab.json")}' or " +
            $"'{Path.Combine(path, "tokenizer", "vocab.json")}'. Pass a model package or its tokenizer folder.");
    }

    private static void WriteText(TextWriter output, TokenizedPrompt result, ClipPromptTokenizer tokenizer)
    {
        int limit = tokenizer.ChunkCapacity;
        string chunkWord = result.Chunks.Count == 1 ? "chunk" : "chunks";
        output.WriteLine($"Prompt tokens: {result.TokenCount} (limit {limit} per chunk), " +
            $"{result.Chunks.Count} {chunkWord} of {tokenizer.MaxLength}.");
        if (result.TokenCount > limit)
        {
            output.WriteLine($"The prompt is longer than {limit} tokens: ComfyUI encodes each chunk and concatenates " +
                "them; the pooled output comes from the first chunk.");
        }

        foreach (string name in result.MissingEmbeddings)
        {
            output.WriteLine($"warning: embedding:{name} is not supported here and was ignored (as ComfyUI ignores a " +
                "missing embedding).");
        }

        for (int c = 0; c < result.Chunks.Count; c++)
        {
            TokenChunk chunk = result.Chunks[c];
            output.WriteLine($"chunk {c + 1}: {chunk.PromptTokens} prompt tokens");
            output.WriteLine("  ids:     " + string.Join(' ', chunk.Ids));
            output.WriteLine("  weights: " + string.Join(' ', chunk.Weights.Select(Format)));
            int shown = chunk.PromptTokens + 2;
            IEnumerable<string> texts = chunk.Ids.Take(shown).Select(tokenizer.Tokenizer.TokenText);
            output.WriteLine("  tokens:  " + string.Join(' ', texts));
        }
    }

    private static string ToJson(TokenizedPrompt result, int limit)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("token_count", result.TokenCount);
            writer.WriteNumber("limit", limit);
            writer.WriteStartArray("chunks");
            foreach (TokenChunk chunk in result.Chunks)
            {
                writer.WriteStartObject();
                writer.WriteNumber("prompt_tokens", chunk.PromptTokens);
                writer.WriteStartArray("ids");
                foreach (int id in chunk.Ids)
                {
                    writer.WriteNumberValue(id);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("weights");
                foreach (float weight in chunk.Weights)
                {
                    writer.WriteNumberValue(weight);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("ignored_embeddings");
            foreach (string name in result.MissingEmbeddings)
            {
                writer.WriteStringValue(name);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string Format(float weight) => weight.ToString(CultureInfo.InvariantCulture);
}
