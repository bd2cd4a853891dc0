using System.Text.Json.Nodes;
using OnnxDiffusion.Nodes.Workflows;

namespace OnnxDiffusion.Nodes.Tests;

/// <summary>
/// UI-format → API-format conversion. The UI documents are written the way ComfyUI's frontend saves them
/// (node inputs/outputs with link ids, a links table of [id, origin, origin_slot, target, target_slot, type],
/// widgets_values in widget order with a seed's control value after it); the expected API prompts are written out
/// by hand from ComfyUI's "Save (API)" conventions, independently of the converter.
/// </summary>
[Category("Unit")]
public sealed class UiWorkflowConverterTests
{
    private const string DefaultUi = """
    {
      "last_node_id": 9, "last_link_id": 9, "version": 0.4,
      "nodes": [
        {"id": 4, "type": "CheckpointLoaderSimple", "mode": 0,
         "outputs": [{"name": "MODEL", "type": "MODEL", "links": [1], "slot_index": 0},
                     {"name": "CLIP", "type": "CLIP", "links": [3, 5], "slot_index": 1},
                     {"name": "VAE", "type": "VAE", "links": [8], "slot_index": 2}],
         "widgets_values": ["v1-5-pruned-emaonly.safetensors"]},
        {"id": 6, "type": "CLIPTextEncode", "mode": 0,
         "inputs": [{"name": "clip", "type": "CLIP", "link": 3}],
         "outputs": [{"name": "CONDITIONING", "type": "CONDITIONING", "links": [4], "slot_index": 0}],
         "widgets_values": ["beautiful scenery nature glass bottle landscape"]},
        {"id": 7, "type": "CLIPTextEncode", "mode": 0, "title": "Negative",
         "inputs": [{"name": "clip", "type": "CLIP", "link": 5}],
         "outputs": [{"name": "CONDITIONING", "type": "CONDITIONING", "links": [6], "slot_index": 0}],
         "widgets_values": ["text, watermark"]},
        {"id": 5, "type": "EmptyLatentImage", "mode": 0,
         "outputs": [{"name": "LATENT", "type": "LATENT", "links": [2], "slot_index": 0}],
         "widgets_values": [512, 512, 1]},
        {"id": 3, "type": "KSampler", "mode": 0,
         "inputs": [{"name": "model", "type": "MODEL", "link": 1},
                    {"name": "positive", "type": "CONDITIONING", "link": 4},
                    {"name": "negative", "type": "CONDITIONING", "link": 6},
                    {"name": "latent_image", "type": "LATENT", "link": 2}],
         "outputs": [{"name": "LATENT", "type": "LATENT", "links": [7], "slot_index": 0}],
         "widgets_values": [156680208700286, "randomize", 20, 8, "euler", "normal", 1]},
        {"id": 8, "type": "VAEDecode", "mode": 0,
         "inputs": [{"name": "samples", "type": "LATENT", "link": 7}, {"name": "vae", "type": "VAE", "link": 8}],
         "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [9], "slot_index": 0}]},
        {"id": 9, "type": "SaveImage", "mode": 0,
         "inputs": [{"name": "images", "type": "IMAGE", "link": 9}], "widgets_values": ["ComfyUI"]}
      ],
      "links": [[1, 4, 0, 3, 0, "MODEL"], [2, 5, 0, 3, 3, "LATENT"], [3, 4, 1, 6, 0, "CLIP"],
                [4, 6, 0, 3, 1, "CONDITIONING"], [5, 4, 1, 7, 0, "CLIP"], [6, 7, 0, 3, 2, "CONDITIONING"],
                [7, 3, 0, 8, 0, "LATENT"], [8, 4, 2, 8, 1, "VAE"], [9, 8, 0, 9, 0, "IMAGE"]],
      "groups": [], "config": {}, "extra": {}
    }
    """;

    private const string DefaultApi = """
    {
      "3": {"class_type": "KSampler", "inputs": {"seed": 156680208700286, "steps": 20, "cfg": 8,
            "sampler_name": "euler", "scheduler": "normal", "denoise": 1, "model": ["4", 0],
            "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
      "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "v1-5-pruned-emaonly.safetensors"}},
      "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
      "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "beautiful scenery nature glass bottle landscape",
            "clip": ["4", 1]}},
      "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "text, watermark", "clip": ["4", 1]}},
      "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
      "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}}
    }
    """;

    [Test]
    public void ToApiPrompt_DefaultWorkflow_MatchesSaveApiOutput()
    {
        JsonObject api = UiWorkflowConverter.ToApiPrompt(Parse(DefaultUi), NodeRegistry.Default);
        AssertSameNodes(api, Parse(DefaultApi));
        Assert.That(api["7"]!["_meta"]!["title"]!.GetValue<string>(), Is.EqualTo("Negative"));
    }

    [Test]
    public void Parse_UiFormat_ConvertsAndKeepsTheOriginalAsExtraPngInfo()
    {
        Workflow workflow = Workflow.Parse(DefaultUi);
        Assert.That(workflow.Nodes.Select(n => n.Id), Is.EquivalentTo(new[] { "3", "4", "5", "6", "7", "8", "9" }));
        Assert.That(JsonNode.DeepEquals(workflow.ExtraPngInfo!["workflow"], Parse(DefaultUi)), Is.True);
    }

    [Test]
    public void ToApiPrompt_FrontendOnlyNodes_AreResolved()
    {
        // 10: Reroute on the MODEL link; 11: PrimitiveNode feeding the seed widget converted to an input;
        // 12: bypassed LatentUpscaleBy between the latent and the sampler; 13: muted SaveImage; 14: a Note.
        JsonObject ui = Parse(DefaultUi);
        var nodes = (JsonArray)ui["nodes"]!;
        var links = (JsonArray)ui["links"]!;
        JsonObject sampler = nodes.OfType<JsonObject>().Single(n => n["id"]!.GetValue<int>() == 3);
        var samplerInputs = (JsonArray)sampler["inputs"]!;
        samplerInputs[0]!["link"] = 20;
        samplerInputs[3]!["link"] = 23;
        samplerInputs.Add(Parse("""{"name": "seed", "type": "INT", "widget": {"name": "seed"}, "link": 22}"""));
        nodes.Add(Parse("""
            {"id": 10, "type": "Reroute", "mode": 0, "inputs": [{"name": "", "type": "*", "link": 21}],
            "outputs": [{"name": "", "type": "MODEL", "links": [20]}]}
            """));
        nodes.Add(Parse("""
            {"id": 11, "type": "PrimitiveNode", "mode": 0, "outputs": [{"name": "INT", "type": "INT", "links":
            [22], "widget": {"name": "seed"}}], "widgets_values": [42, "fixed"]}
            """));
        nodes.Add(Parse("""
            {"id": 12, "type": "LatentUpscaleBy", "mode": 4, "inputs": [{"name": "samples", "type": "LATENT",
            "link": 24}], "outputs": [{"name": "LATENT", "type": "LATENT", "links": [23]}], "widgets_values":
            ["nearest-exact", 1.5]}
            """));
        nodes.Add(Parse("""
            {"id": 13, "type": "SaveImage", "mode": 2, "inputs": [{"name": "images", "type": "IMAGE", "link":
            null}], "widgets_values": ["muted"]}
            """));
        nodes.Add(Parse("""{"id": 14, "type": "Note", "mode": 0, "widgets_values": ["remember the seed"]}"""));
        foreach (string link in new[]
        {
            """[20, 10, 0, 3, 0, "MODEL"]""", """[21, 4, 0, 10, 0, "*"]""", """[22, 11, 0, 3, 4, "INT"]""",
            """[23, 12, 0, 3, 3, "LATENT"]""", """[24, 5, 0, 12, 0, "LATENT"]""",
        })
        {
            links.Add(JsonNode.Parse(link));
        }

        links.RemoveAt(0); // the old direct MODEL link 1
        links.RemoveAt(0); // the old direct LATENT link 2
        JsonObject expected = Parse(DefaultApi);
        expected["3"]!["inputs"]!["seed"] = 42;

        JsonObject api = UiWorkflowConverter.ToApiPrompt(ui, NodeRegistry.Default);

        AssertSameNodes(api, expected);
    }

    [Test]
    public void ToApiPrompt_LinkMissingFromTable_FailsNamingTheLink()
    {
        JsonObject ui = Parse(DefaultUi);
        ((JsonArray)ui["links"]!).RemoveAt(8); // link 9 (VAEDecode → SaveImage)
        var ex = Assert.Throws<WorkflowValidationException>(
            () => UiWorkflowConverter.ToApiPrompt(ui, NodeRegistry.Default));
        Assert.That(ex!.Message, Does.Contain("link 9"));
    }

    [Test]
    public void ToApiPrompt_TooFewWidgetValues_FailsNamingNodeAndInput()
    {
        JsonObject ui = Parse(DefaultUi);
        JsonObject latent = ((JsonArray)ui["nodes"]!).OfType<JsonObject>().Single(n => n["id"]!.GetValue<int>() == 5);
        latent["widgets_values"] = new JsonArray(512);
        var ex = Assert.Throws<WorkflowValidationException>(
            () => UiWorkflowConverter.ToApiPrompt(ui, NodeRegistry.Default));
        Assert.That(ex!.Message, Does.Contain("node 5 (EmptyLatentImage)").And.Contain("'height'"));
    }

    [Test]
    public void ToApiPrompt_DictWidgetValues_AreReadByName()
    {
        JsonObject ui = Parse(DefaultUi);
        JsonObject latent = ((JsonArray)ui["nodes"]!).OfType<JsonObject>().Single(n => n["id"]!.GetValue<int>() == 5);
        latent["widgets_values"] = Parse("""{"batch_size": 2, "width": 640, "height": 384}""");
        JsonObject api = UiWorkflowConverter.ToApiPrompt(ui, NodeRegistry.Default);
        Assert.That(JsonNode.DeepEquals(api["5"]!["inputs"], Parse("""{"width": 640, "height": 384, "batch_size": 2}""")),
            Is.True);
    }

    private static JsonObject Parse(string json) => (JsonObject)JsonNode.Parse(json)!;

    private static void AssertSameNodes(JsonObject actual, JsonObject expected)
    {
        Assert.That(actual.Select(p => p.Key), Is.EquivalentTo(expected.Select(p => p.Key)));
        foreach ((string id, JsonNode? node) in expected)
        {
            Assert.That(actual[id]!["class_type"]!.GetValue<string>(), Is.EqualTo(node!["class_type"]!.GetValue<string>()));
            var got = (JsonObject)actual[id]!["inputs"]!;
            var want = (JsonObject)node["inputs"]!;
            Assert.That(got.Select(p => p.Key), Is.EquivalentTo(want.Select(p => p.Key)), $"node {id} input names");
            foreach ((string name, JsonNode? value) in want)
            {
                Assert.That(JsonNode.DeepEquals(got[name], value), Is.True,
                    $"node {id} input {name}: {got[name]?.ToJsonString()} vs {value?.ToJsonString()}");
            }
        }
    }
}
