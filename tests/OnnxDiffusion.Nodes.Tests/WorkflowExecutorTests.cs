using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Tests.TestNodes;
using OnnxDiffusion.Nodes.Workflows;
using static OnnxDiffusion.Nodes.Tests.W;

namespace OnnxDiffusion.Nodes.Tests;

[Category("Unit")]
public sealed class WorkflowExecutorTests
{
    private static readonly NodeEnvironment s_env = NodeEnvironment.UnderRoot("/nonexistent-onnxdiff-root");

    private static (WorkflowExecutor Executor, CallLog Log) Create()
    {
        var log = new CallLog();
        return (new WorkflowExecutor(TestNodePack.Registry(log), s_env), log);
    }

    /// <summary>1 → 3 ← 2 (diamond via 3 and 4 both reading 1), output 5; node 9 is unused.</summary>
    private static Workflow Diamond(int a = 2, int b = 3) => Prompt(
        Node("1", "TestInt", ("value", a)),
        Node("2", "TestInt", ("value", b)),
        Node("9", "TestInt", ("value", 99)),
        Node("3", "TestAdd", ("a", Link("1")), ("b", Link("2"))),
        Node("4", "TestAdd", ("a", Link("1")), ("b", Link("3"))),
        Node("5", "TestOutput", ("value", Link("4"))));

    [Test]
    public void Execute_Diamond_RunsAncestorsOnceInDependencyOrderAndSkipsUnused()
    {
        var (executor, log) = Create();
        var result = executor.Execute(Diamond());
        Assert.That(log.Seen["5"], Is.EqualTo((Int128)7)); // 2 + (2 + 3)
        Assert.That(log.Executed, Is.EquivalentTo(new[] { "1", "2", "3", "4", "5" }));
        Assert.That(log.Executed, Does.Not.Contain("9"));
        int Pos(string id) => log.Executed.IndexOf(id);
        Assert.That(Pos("1"), Is.LessThan(Pos("3")));
        Assert.That(Pos("2"), Is.LessThan(Pos("3")));
        Assert.That(Pos("3"), Is.LessThan(Pos("4")));
        Assert.That(Pos("4"), Is.LessThan(Pos("5")));
        Assert.That(result.Executed, Is.EqualTo(log.Executed));
    }

    [Test]
    public void Execute_SameWorkflowTwice_SecondRunIsFullyCached()
    {
        var (executor, log) = Create();
        executor.Execute(Diamond());
        log.Executed.Clear();
        var second = executor.Execute(Diamond());
        Assert.That(log.Executed, Is.Empty);
        Assert.That(second.Cached, Is.EquivalentTo(new[] { "5" }));
        Assert.That(second.Results["5"], Is.Not.Null);
    }

    [Test]
    public void Execute_ChangedUpstreamLiteral_RerunsOnlyItsDescendants()
    {
        var (executor, log) = Create();
        executor.Execute(Diamond(a: 2, b: 3));
        log.Executed.Clear();
        executor.Execute(Diamond(a: 2, b: 4));
        Assert.That(log.Executed, Is.EquivalentTo(new[] { "2", "3", "4", "5" }));
        Assert.That(log.Seen["5"], Is.EqualTo((Int128)8));
    }

    [Test]
    public void Execute_SameInputsUnderNewNodeIds_HitsCache()
    {
        var (executor, log) = Create();
        executor.Execute(Prompt(Node("1", "TestInt", ("value", 4)), Node("2", "TestOutput", ("value", Link("1")))));
        log.Executed.Clear();
        executor.Execute(Prompt(Node("7", "TestInt", ("value", 4)), Node("8", "TestOutput", ("value", Link("7")))));
        Assert.That(log.Executed, Is.Empty);
    }

    [Test]
    public void Execute_FingerprintChanges_RerunsNodeAndDescendants()
    {
        var (executor, log) = Create();
        var workflow = Prompt(Node("1", "TestExternal"), Node("2", "TestOutput", ("value", Link("1"))));
        executor.Execute(workflow);
        log.Executed.Clear();
        executor.Execute(workflow);
        Assert.That(log.Executed, Is.Empty);
        log.ExternalVersion = 5;
        executor.Execute(workflow);
        Assert.That(log.Executed, Is.EqualTo(new[] { "1", "2" }));
        Assert.That(log.Seen["2"], Is.EqualTo((Int128)5));
    }

    [Test]
    public void Execute_AfterDifferentWorkflow_OldEntriesEvicted()
    {
        var (executor, log) = Create();
        executor.Execute(Diamond());
        Assert.That(executor.CachedCount, Is.EqualTo(5));
        executor.Execute(Prompt(Node("1", "TestInt", ("value", 50)), Node("2", "TestOutput", ("value", Link("1")))));
        Assert.That(executor.CachedCount, Is.EqualTo(2));
        log.Executed.Clear();
        executor.Execute(Diamond());
        Assert.That(log.Executed, Has.Count.EqualTo(5));
    }

    [TestCase(true, "1")]
    [TestCase(false, "2")]
    public void Execute_LazySwitch_EvaluatesOnlyTheChosenBranch(bool choice, string expectedBranch)
    {
        var (executor, log) = Create();
        executor.Execute(Prompt(
            Node("1", "TestInt", ("value", 10)),
            Node("2", "TestInt", ("value", 20)),
            Node("3", "TestLazySwitch", ("switch", choice), ("on_true", Link("1")), ("on_false", Link("2"))),
            Node("4", "TestOutput", ("value", Link("3")))));
        Assert.That(log.Executed, Is.EqualTo(new[] { expectedBranch, "3", "4" }));
        Assert.That(log.Seen["4"], Is.EqualTo((Int128)(choice ? 10 : 20)));
    }

    [Test]
    public void Execute_OptionalWidgetAbsent_GetsSchemaDefault()
    {
        var (executor, log) = Create();
        executor.Execute(Prompt(Node("1", "TestOptional"), Node("2", "TestOutput", ("value", Link("1")))));
        Assert.That(log.Seen["2"], Is.EqualTo((Int128)7));
        Assert.That(log.Seen["2.label"], Is.EqualTo("none"));
    }

    [Test]
    public void Execute_InvalidWorkflow_ThrowsBeforeRunningAnything()
    {
        var (executor, log) = Create();
        var ex = Assert.Throws<WorkflowValidationException>(() => executor.Execute(Prompt(
            Node("1", "TestInt", ("value", 1)),
            Node("2", "TestOutput", ("value", Link("1"))),
            Node("3", "TestInt", ("value", 1000)),
            Node("4", "TestOutput", ("value", Link("3"))))));
        Assert.That(log.Executed, Is.Empty);
        Assert.That(ex!.Code, Is.EqualTo("prompt_outputs_failed_validation"));
        Assert.That(ex.ExitCode, Is.EqualTo(3));
    }

    [Test]
    public void Execute_NodeThrows_WrapsWithNodeIdAndKeepsExitCode()
    {
        var (executor, _) = Create();
        var ex = Assert.Throws<NodeExecutionException>(() => executor.Execute(Prompt(
            Node("6", "TestFail"), Node("7", "TestOutput", ("value", Link("6"))))));
        Assert.That(ex!.NodeId, Is.EqualTo("6"));
        Assert.That(ex.ClassType, Is.EqualTo("TestFail"));
        Assert.That(ex.ExitCode, Is.EqualTo(3));
        Assert.That(ex.Message, Is.EqualTo("Node 6 (TestFail) failed: the test node always fails"));
    }

    [Test]
    public void Execute_CancelledBeforeStart_ThrowsAndRunsNothing()
    {
        var (executor, log) = Create();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => executor.Execute(Diamond(), null, cts.Token));
        Assert.That(log.Executed, Is.Empty);
    }

    [Test]
    public void Execute_CancelledDuringNode_StopsBeforeTheNextNode()
    {
        var (executor, log) = Create();
        using var cts = new CancellationTokenSource();
        log.CancelDuringRun = cts;
        Assert.Throws<OperationCanceledException>(() => executor.Execute(
            Prompt(Node("1", "TestCancel"), Node("2", "TestOutput", ("value", Link("1")))), null, cts.Token));
        Assert.That(log.Executed, Is.EqualTo(new[] { "1" }));
    }

    [Test]
    public void Execute_Listener_ReceivesNodeAndStepEvents()
    {
        var (executor, _) = Create();
        var listener = new RecordingListener();
        var workflow = Prompt(Node("1", "TestProgress", ("steps", 3)), Node("2", "TestOutput", ("value", Link("1"))));
        executor.Execute(workflow, listener);
        Assert.That(listener.Events, Is.EqualTo(new[]
        {
            "start 1 TestProgress 1/2", "step 1 1/3", "step 1 2/3", "step 1 3/3", "done 1",
            "start 2 TestOutput 2/2", "done 2",
        }));
        listener.Events.Clear();
        executor.Execute(workflow, listener);
        Assert.That(listener.Events, Is.EqualTo(new[] { "cached 2 TestOutput" }));
    }

    private sealed class RecordingListener : IExecutionListener
    {
        public List<string> Events { get; } = [];

        public void NodeStarting(string nodeId, string classType, int index, int planned) =>
            Events.Add($"start {nodeId} {classType} {index}/{planned}");

        public void NodeCached(string nodeId, string classType) => Events.Add($"cached {nodeId} {classType}");

        public void StepProgress(string nodeId, long value, long max) => Events.Add($"step {nodeId} {value}/{max}");

        public void NodeFinished(string nodeId, string classType, NodeResult result, TimeSpan elapsed) =>
            Events.Add($"done {nodeId}");
    }
}
