using System.Text.Json.Nodes;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Core.Json;
using OnnxDiffusion.Nodes.Tests.TestNodes;
using OnnxDiffusion.Nodes.Workflows;
using static OnnxDiffusion.Nodes.Tests.W;

namespace OnnxDiffusion.Nodes.Tests;

[Category("Unit")]
public sealed class WorkflowValidatorTests
{
    private static readonly NodeEnvironment s_env = NodeEnvironment.UnderRoot("/nonexistent-onnxdiff-root");

    private static ValidationReport Validate(Workflow workflow) =>
        WorkflowValidator.Validate(workflow, TestNodePack.Registry(new CallLog()), s_env);

    private static ValidationError SingleError(ValidationReport report, string nodeId)
    {
        Assert.That(report.IsValid, Is.False);
        var entry = report.NodeErrors.Single(e => e.NodeId == nodeId);
        Assert.That(entry.Errors, Has.Count.EqualTo(1), string.Join("\n", entry.Errors));
        return entry.Errors[0];
    }

    [Test]
    public void Validate_ValidChain_ReportsOutputsAndNoErrors()
    {
        var report = Validate(Prompt(
            Node("1", "TestInt", ("value", 3)),
            Node("2", "TestOutput", ("value", Link("1")))));
        Assert.That(report.IsValid, Is.True, report.Summary());
        Assert.That(report.Outputs, Is.EqualTo(new[] { "2" }));
        Assert.That(report.ToJson().ToJsonString(), Is.EqualTo("{\"error\":null,\"node_errors\":{}}"));
    }

    [Test]
    public void Validate_UnknownClassType_InvalidPromptWithComfyMessage()
    {
        var report = Validate(Prompt(Node("5", "NoSuchNode"), Node("2", "TestOutput", ("value", 1))));
        Assert.That(report.Error!.Type, Is.EqualTo("invalid_prompt"));
        Assert.That(report.Error.Message, Is.EqualTo("Cannot execute because node NoSuchNode does not exist."));
        Assert.That(report.Error.Details, Is.EqualTo("Node ID '#5'"));
        Assert.That(report.NodeErrors.Select(e => e.NodeId), Does.Contain("5"));
    }

    [Test]
    public void Validate_MissingClassType_InvalidPrompt()
    {
        var prompt = new JsonObject { ["1"] = new JsonObject { ["inputs"] = new JsonObject() } };
        var report = Validate(Workflow.FromPrompt(prompt));
        Assert.That(report.Error!.Type, Is.EqualTo("invalid_prompt"));
        Assert.That(report.Error.Message,
            Is.EqualTo("Cannot execute because a node is missing the class_type property."));
    }

    [Test]
    public void Validate_NoOutputNode_PromptNoOutputs()
    {
        var report = Validate(Prompt(Node("1", "TestInt", ("value", 1))));
        Assert.That(report.Error!.Type, Is.EqualTo("prompt_no_outputs"));
        Assert.That(report.Error.Message, Is.EqualTo("Prompt has no outputs"));
        Assert.That(report.NodeErrors, Is.Empty);
    }

    [Test]
    public void Validate_RequiredInputMissing_ReportsInputName()
    {
        var report = Validate(Prompt(Node("1", "TestAdd", ("a", 1)), Node("2", "TestOutput", ("value", Link("1")))));
        var error = SingleError(report, "1");
        Assert.That(error.Type, Is.EqualTo("required_input_missing"));
        Assert.That(error.Message, Is.EqualTo("Required input is missing"));
        Assert.That(error.Details, Is.EqualTo("b"));
        Assert.That(error.InputName, Is.EqualTo("b"));
        Assert.That(report.Error!.Type, Is.EqualTo("prompt_outputs_failed_validation"));
        Assert.That(report.Error.Message, Is.EqualTo("Prompt outputs failed validation"));
    }

    [TestCase("[\"1\", 0, 3]")]
    [TestCase("[\"1\"]")]
    [TestCase("[\"1\", \"zero\"]")]
    [TestCase("[\"1\", -1]")]
    public void Validate_MalformedLink_BadLinkedInput(string link)
    {
        var report = Validate(Workflow.Parse(
            $"{{\"1\": {{\"class_type\": \"TestInt\", \"inputs\": {{\"value\": 1}}}}," +
            $" \"2\": {{\"class_type\": \"TestOutput\", \"inputs\": {{\"value\": {link}}}}}}}"));
        var error = SingleError(report, "2");
        Assert.That(error.Type, Is.EqualTo("bad_linked_input"));
        Assert.That(error.Message, Is.EqualTo("Bad linked input, must be a length-2 list of [node_id, slot_index]"));
    }

    [Test]
    public void Validate_LinkToMissingNode_BadLinkedInput()
    {
        var error = SingleError(Validate(Prompt(Node("2", "TestOutput", ("value", Link("99"))))), "2");
        Assert.That(error.Type, Is.EqualTo("bad_linked_input"));
        Assert.That(error.Details, Does.Contain("'99'"));
    }

    [Test]
    public void Validate_OutputIndexOutOfRange_BadLinkedInput()
    {
        var error = SingleError(Validate(Prompt(
            Node("1", "TestInt", ("value", 1)),
            Node("2", "TestOutput", ("value", Link("1", 1))))), "2");
        Assert.That(error.Type, Is.EqualTo("bad_linked_input"));
        Assert.That(error.Details, Does.Contain("has 1 output(s), got index 1"));
    }

    [Test]
    public void Validate_LinkTypeMismatch_ReturnTypeMismatch()
    {
        var error = SingleError(Validate(Prompt(
            Node("1", "TestImage", ("size", 2)),
            Node("2", "TestAdd", ("a", Link("1")), ("b", 1)),
            Node("3", "TestOutput", ("value", Link("2"))))), "2");
        Assert.That(error.Type, Is.EqualTo("return_type_mismatch"));
        Assert.That(error.Message, Is.EqualTo("Return type mismatch between linked nodes"));
        Assert.That(error.Details, Is.EqualTo("a, received_type(IMAGE) mismatch input_type(INT)"));
        Assert.That(error.ExtraInfo["received_type"]!.GetValue<string>(), Is.EqualTo("IMAGE"));
    }

    [Test]
    public void Validate_UnconvertibleInt_InvalidInputTypeWithPythonMessage()
    {
        var error = SingleError(Validate(Prompt(
            Node("1", "TestInt", ("value", "abc")),
            Node("2", "TestOutput", ("value", Link("1"))))), "1");
        Assert.That(error.Type, Is.EqualTo("invalid_input_type"));
        Assert.That(error.Message, Is.EqualTo("Failed to convert an input value to a INT value"));
        Assert.That(error.Details, Is.EqualTo("value, abc, invalid literal for int() with base 10: 'abc'"));
    }

    [Test]
    public void Validate_LiteralForLinkOnlyType_InvalidInputType()
    {
        var error = SingleError(Validate(Prompt(Node("2", "TestOutput", ("value", 5)))), "2");
        Assert.That(error.Type, Is.EqualTo("invalid_input_type"));
    }

    [Test]
    public void Validate_IntBelowMin_ValueSmallerThanMin()
    {
        var error = SingleError(Validate(Prompt(
            Node("1", "TestInt", ("value", -101)),
            Node("2", "TestOutput", ("value", Link("1"))))), "1");
        Assert.That(error.Type, Is.EqualTo("value_smaller_than_min"));
        Assert.That(error.Message, Is.EqualTo("Value -101 smaller than min of -100"));
        Assert.That(error.Details, Is.EqualTo("value"));
        Assert.That(error.ExtraInfo["received_value"]!.GetValue<long>(), Is.EqualTo(-101));
    }

    [Test]
    public void Validate_FloatAboveMax_ValueBiggerThanMaxWithPythonFloats()
    {
        var error = SingleError(Validate(Workflow.Parse(
            "{\"1\": {\"class_type\": \"TestFloat\", \"inputs\": {\"value\": 1.5}}," +
            " \"2\": {\"class_type\": \"TestOutput\", \"inputs\": {\"value\": [\"1\", 0]}}}")), "1");
        Assert.That(error.Type, Is.EqualTo("value_bigger_than_max"));
        Assert.That(error.Message, Is.EqualTo("Value 1.5 bigger than max of 1.0"));
    }

    [Test]
    public void Validate_ComboValueNotInList_ValueNotInListWithPythonRepr()
    {
        var error = SingleError(Validate(Prompt(
            Node("1", "TestCombo", ("choice", "d")),
            Node("2", "TestOutput", ("value", Link("1"))))), "1");
        Assert.That(error.Type, Is.EqualTo("value_not_in_list"));
        Assert.That(error.Message, Is.EqualTo("Value not in list"));
        Assert.That(error.Details, Is.EqualTo("choice: 'd' not in ['a', 'b', 'c']"));
        Assert.That(PythonJson.Dumps(error.ExtraInfo["input_config"]), Is.EqualTo("[[\"a\", \"b\", \"c\"]]"));
    }

    [Test]
    public void Validate_CustomValidationFails_CustomValidationFailedPerInput()
    {
        var error = SingleError(Validate(Prompt(
            Node("1", "TestEvenOnly", ("value", 3)),
            Node("2", "TestOutput", ("value", Link("1"))))), "1");
        Assert.That(error.Type, Is.EqualTo("custom_validation_failed"));
        Assert.That(error.Message, Is.EqualTo("Custom validation failed for node"));
        Assert.That(error.Details, Is.EqualTo("value - must be even"));
    }

    [Test]
    public void Validate_SelfValidatedInput_SkipsGenericMaxCheck()
    {
        // ComfyUI skips min/max/combo for inputs named in VALIDATE_INPUTS: 12 > max 10 but even.
        var report = Validate(Prompt(
            Node("1", "TestEvenOnly", ("value", 12)), Node("2", "TestOutput", ("value", Link("1")))));
        Assert.That(report.IsValid, Is.True, report.Summary());
    }

    [Test]
    public void Validate_CustomValidationThrows_ExceptionDuringValidation()
    {
        var error = SingleError(Validate(Prompt(
            Node("1", "TestThrowingValidation"),
            Node("2", "TestOutput", ("value", Link("1"))))), "1");
        Assert.That(error.Type, Is.EqualTo("exception_during_validation"));
        Assert.That(error.Message, Is.EqualTo("Exception when validating node"));
        Assert.That(error.Details, Is.EqualTo("disk on fire"));
    }

    [Test]
    public void Validate_ComboOptionsThrow_ExceptionDuringValidation()
    {
        var error = SingleError(Validate(Prompt(Node("1", "TestBrokenCombo", ("file", "a")))), "1");
        Assert.That(error.Type, Is.EqualTo("exception_during_validation"));
        Assert.That(error.Details, Is.EqualTo("folder unreadable"));
    }

    [Test]
    public void Validate_Cycle_DependencyCycleOnEveryMember()
    {
        var report = Validate(Prompt(
            Node("1", "TestAdd", ("a", Link("2")), ("b", 1)),
            Node("2", "TestAdd", ("a", Link("1")), ("b", 1)),
            Node("3", "TestOutput", ("value", Link("1")))));
        foreach (string id in new[] { "1", "2" })
        {
            var error = SingleError(report, id);
            Assert.That(error.Type, Is.EqualTo("dependency_cycle"));
            Assert.That(error.Message, Is.EqualTo("Dependency cycle detected"));
            Assert.That(error.Details, Is.EqualTo("1 (TestAdd) -> 2 (TestAdd) -> 1 (TestAdd)"));
        }

        Assert.That(report.NodeErrors.Select(e => e.NodeId), Is.EquivalentTo(new[] { "1", "2" }));
    }

    [Test]
    public void Validate_SelfLoop_DependencyCycle()
    {
        var report = Validate(Prompt(
            Node("1", "TestAdd", ("a", Link("1")), ("b", 1)),
            Node("3", "TestOutput", ("value", Link("1")))));
        Assert.That(SingleError(report, "1").Details, Is.EqualTo("1 (TestAdd) -> 1 (TestAdd)"));
    }

    [Test]
    public void Validate_ManyProblems_AllReportedAtOnceWithDependentOutputs()
    {
        var report = Validate(Prompt(
            Node("1", "TestInt", ("value", 500)),
            Node("2", "TestCombo", ("choice", "z")),
            Node("3", "TestAdd", ("a", Link("1")), ("b", Link("2"))),
            Node("4", "TestOutput", ("value", Link("3"))),
            Node("5", "TestOutput", ("value", Link("1")), ("label", "x"))));
        var types = report.AllNodeErrors.Select(e => (e.NodeId, e.Error.Type)).ToArray();
        Assert.That(types, Is.EquivalentTo(new[]
        {
            ("1", "value_bigger_than_max"), ("2", "value_not_in_list"), ("3", "return_type_mismatch"),
        }));
        Assert.That(report.NodeErrors.Single(e => e.NodeId == "1").DependentOutputs, Is.EqualTo(new[] { "4", "5" }));
        Assert.That(report.NodeErrors.Single(e => e.NodeId == "2").DependentOutputs, Is.EqualTo(new[] { "4" }));
        Assert.That(report.NodeErrors.Single(e => e.NodeId == "3").DependentOutputs, Is.EqualTo(new[] { "4" }));
    }

    [Test]
    public void Validate_UnreachableBrokenNode_IsIgnoredLikeComfyUI()
    {
        var report = Validate(Prompt(
            Node("1", "TestInt", ("value", 1)),
            Node("9", "TestInt", ("value", 9999)),
            Node("2", "TestOutput", ("value", Link("1")))));
        Assert.That(report.IsValid, Is.True, report.Summary());
    }

    [Test]
    public void ToJson_FailedReport_HasComfyShape()
    {
        var report = Validate(Prompt(
            Node("1", "TestInt", ("value", 500)), Node("2", "TestOutput", ("value", Link("1")))));
        JsonObject json = report.ToJson();
        Assert.That(json["error"]!.AsObject().Select(p => p.Key),
            Is.EqualTo(new[] { "type", "message", "details", "extra_info" }));
        JsonObject node = json["node_errors"]!["1"]!.AsObject();
        Assert.That(node.Select(p => p.Key), Is.EqualTo(new[] { "errors", "dependent_outputs", "class_type" }));
        Assert.That(node["class_type"]!.GetValue<string>(), Is.EqualTo("TestInt"));
        Assert.That(node["errors"]![0]!["extra_info"]!["input_name"]!.GetValue<string>(), Is.EqualTo("value"));
        Assert.That(json["error"]!["details"]!.GetValue<string>(),
            Is.EqualTo("Value 500 bigger than max of 100: value"));
    }

    [TestCase("7.9", 7)]
    [TestCase("-7.9", -7)]
    [TestCase("\" 12 \"", 12)]
    [TestCase("true", 1)]
    [TestCase("1e2", 100)]
    public void Validate_IntLiteral_CoercedLikePythonInt(string literal, long expected)
    {
        var log = new CallLog();
        var workflow = Workflow.Parse(
            $"{{\"1\": {{\"class_type\": \"TestInt\", \"inputs\": {{\"value\": {literal}}}}}," +
            " \"2\": {\"class_type\": \"TestOutput\", \"inputs\": {\"value\": [\"1\", 0]}}}");
        new WorkflowExecutor(TestNodePack.Registry(log), s_env).Execute(workflow);
        Assert.That(log.Seen["2"], Is.EqualTo((Int128)expected));
    }

    [TestCase("\"false\"", true)]
    [TestCase("\"\"", false)]
    [TestCase("0", false)]
    [TestCase("0.5", true)]
    [TestCase("{\"__value__\": []}", false)]
    public void Validate_BoolLiteral_CoercedLikePythonBool(string literal, bool expected)
    {
        var log = new CallLog();
        var workflow = Workflow.Parse(
            $"{{\"1\": {{\"class_type\": \"TestBool\", \"inputs\": {{\"flag\": {literal}}}}}," +
            " \"2\": {\"class_type\": \"TestOutput\", \"inputs\": {\"value\": [\"1\", 0]}}}");
        new WorkflowExecutor(TestNodePack.Registry(log), s_env).Execute(workflow);
        Assert.That(log.Seen["2"], Is.EqualTo(expected));
    }

    [TestCase("8.0", "8.0")]
    [TestCase("8", "8")]
    [TestCase("true", "True")]
    [TestCase("null", "None")]
    [TestCase("1e-5", "1e-05")]
    [TestCase("{\"__value__\": [1, \"a\"]}", "[1, 'a']")]
    public void Validate_StringLiteral_CoercedLikePythonStr(string literal, string expected)
    {
        var log = new CallLog();
        var workflow = Workflow.Parse(
            $"{{\"1\": {{\"class_type\": \"TestString\", \"inputs\": {{\"text\": {literal}}}}}," +
            " \"2\": {\"class_type\": \"TestOutput\", \"inputs\": {\"value\": [\"1\", 0]}}}");
        new WorkflowExecutor(TestNodePack.Registry(log), s_env).Execute(workflow);
        Assert.That(log.Seen["2"], Is.EqualTo(expected));
    }

    [Test]
    public void Validate_SeedAtUInt64Max_AcceptedExactly()
    {
        var log = new CallLog();
        var workflow = Workflow.Parse(
            "{\"1\": {\"class_type\": \"TestSeed\", \"inputs\": {\"seed\": 18446744073709551615}}," +
            " \"2\": {\"class_type\": \"TestOutput\", \"inputs\": {\"value\": [\"1\", 0]}}}");
        new WorkflowExecutor(TestNodePack.Registry(log), s_env).Execute(workflow);
        Assert.That(log.Seen["2"], Is.EqualTo((Int128)ulong.MaxValue));
    }

    [Test]
    public void Validate_SeedAboveUInt64Max_ValueBiggerThanMax()
    {
        var report = Validate(Workflow.Parse(
            "{\"1\": {\"class_type\": \"TestSeed\", \"inputs\": {\"seed\": 18446744073709551616}}," +
            " \"2\": {\"class_type\": \"TestOutput\", \"inputs\": {\"value\": [\"1\", 0]}}}"));
        Assert.That(SingleError(report, "1").Message,
            Is.EqualTo("Value 18446744073709551616 bigger than max of 18446744073709551615"));
    }

    [Test]
    public void Parse_NotJson_ThrowsInvalidPrompt()
    {
        var ex = Assert.Throws<WorkflowValidationException>(() => Workflow.Parse("{oops"));
        Assert.That(ex!.Code, Is.EqualTo("invalid_prompt"));
        Assert.That(ex.Report.Error!.Type, Is.EqualTo("invalid_prompt"));
    }

    [Test]
    public void Parse_PromptBody_ReadsPromptAndExtraPngInfo()
    {
        var workflow = Workflow.Parse(
            "{\"prompt\": {\"1\": {\"class_type\": \"TestInt\", \"inputs\": {\"value\": 1}}}," +
            " \"extra_data\": {\"extra_pnginfo\": {\"workflow\": {\"nodes\": []}}}}");
        Assert.That(workflow.Nodes.Select(n => n.Id), Is.EqualTo(new[] { "1" }));
        Assert.That(workflow.ExtraPngInfo!["workflow"]!.ToJsonString(), Is.EqualTo("{\"nodes\":[]}"));
    }

    [Test]
    public void Parse_NodeCalledPrompt_IsABarePrompt()
    {
        var workflow = Workflow.Parse("{\"prompt\": {\"class_type\": \"TestInt\", \"inputs\": {\"value\": 1}}}");
        Assert.That(workflow.Nodes.Select(n => n.Id), Is.EqualTo(new[] { "prompt" }));
    }
}
