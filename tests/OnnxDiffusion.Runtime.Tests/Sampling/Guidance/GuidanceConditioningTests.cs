using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.Runtime.Sampling.Guidance;

namespace OnnxDiffusion.Runtime.Tests.Sampling.Guidance;

[Category("Unit")]
public sealed class GuidanceConditioningTests
{
    private static TextContext Ctx(float value) => new(Enumerable.Repeat(value, 77 * 4).ToArray(), 77, 4);

    [Test]
    public void WithMatchingAreas_PositiveArea_AddsNegativePartnerFromFullEntry()
    {
        var area = new LatentArea(4, 4, 2, 2);
        GuidanceEntry local = new GuidanceEntry(Ctx(1)) { Area = area, Strength = 0.7, EndPercent = 0.5 };
        GuidanceEntry negative = new(Ctx(-1));
        GuidanceConditioning resolved = new GuidanceConditioning([new(Ctx(2)), local], [negative]).WithMatchingAreas();

        Assert.That(resolved.Positive, Has.Count.EqualTo(2));
        Assert.That(resolved.Negative, Has.Count.EqualTo(2));
        GuidanceEntry partner = resolved.Negative[1];
        Assert.That(partner.Context, Is.SameAs(negative.Context));
        Assert.That((partner.Area, partner.Strength, partner.EndPercent), Is.EqualTo((area, 0.7, (double?)0.5)));
    }

    [Test]
    public void WithMatchingAreas_SmallestEnclosingAreaWins_AndEqualAreaAddsNothing()
    {
        var inner = new LatentArea(2, 2, 3, 3);
        GuidanceEntry big = new GuidanceEntry(Ctx(-1)) { Area = new LatentArea(8, 8, 0, 0) };
        GuidanceEntry small = new GuidanceEntry(Ctx(-2)) { Area = new LatentArea(4, 4, 2, 2) };
        GuidanceEntry outside = new GuidanceEntry(Ctx(-3)) { Area = new LatentArea(1, 1, 0, 0) };
        GuidanceEntry full = new(Ctx(-4));
        GuidanceEntry local = new GuidanceEntry(Ctx(1)) { Area = inner };
        GuidanceConditioning resolved =
            new GuidanceConditioning([local], [full, big, small, outside]).WithMatchingAreas();
        Assert.That(resolved.Negative[^1].Context, Is.SameAs(small.Context));
        Assert.That(resolved.Negative[^1].Area, Is.EqualTo(inner));

        // The negative area entries each get a positive partner (from the only positive entry whose area encloses
        // them, or none), and the partner on exactly the same area is not duplicated.
        GuidanceConditioning same =
            new GuidanceConditioning([local], [new GuidanceEntry(Ctx(-5)) { Area = inner }]).WithMatchingAreas();
        Assert.That((same.Positive.Count, same.Negative.Count), Is.EqualTo((1, 1)));
    }

    [Test]
    public void WithMatchingAreas_NegativeArea_AddsPositivePartnerWithPositiveContext()
    {
        GuidanceEntry positive = new(Ctx(1));
        GuidanceEntry local = new GuidanceEntry(Ctx(-1)) { Area = new LatentArea(4, 4, 0, 0), Strength = 3 };
        GuidanceConditioning resolved = new GuidanceConditioning([positive], [local]).WithMatchingAreas();
        Assert.That(resolved.Positive, Has.Count.EqualTo(2));
        Assert.That(resolved.Positive[1].Context, Is.SameAs(positive.Context));
        Assert.That(resolved.Positive[1].Strength, Is.EqualTo(3));
    }
}
