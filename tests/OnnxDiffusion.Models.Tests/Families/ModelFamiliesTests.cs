using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Models.Families;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Models.Tests.Families;

[Category("Unit")]
public sealed class ModelFamiliesTests
{
    [Test]
    public void All_EveryFamilyTypeInTheAssembly_IsRegistered()
    {
        var types = typeof(IModelFamily).Assembly.GetTypes()
            .Where(t => typeof(IModelFamily).IsAssignableFrom(t) && !t.IsInterface && !t.IsAbstract);
        foreach (Type type in types)
        {
            Assert.That(ModelFamilies.All.Any(f => f.GetType() == type), Is.True,
                $"{type.Name} is not registered: add one line for it to ModelFamilies.All.");
        }

        Assert.That(ModelFamilies.All.Select(f => f.Name), Is.Unique);
    }

    // Every family matches its own fixture and no other.
    [TestCase("sd15-ldm-keys.tsv", "sd15")]
    [TestCase("more/sd21-ldm-keys.tsv", null)]
    [TestCase("more/sdxl-ldm-keys.tsv", null)]
    [TestCase("more/controlnet-sd15-keys.tsv", null)]
    [TestCase("more/lora-kohya-sd15-keys.tsv", null)]
    public void Detect_Fixture_MatchesOnlyItsFamily(string table, string? family)
    {
        using var source = InMemoryWeightSource.FromRows(LayoutTable.ReadOrIgnore(table));
        var matching = ModelFamilies.All.Where(f => f.Matches(source)).Select(f => f.Name).ToList();
        if (family is null)
        {
            Assert.That(matching, Is.Empty);
            Assert.That(() => ModelFamilies.Detect(source), Throws.InstanceOf<OnnxDiffusionException>());
        }
        else
        {
            Assert.That(matching, Is.EqualTo(new[] { family }));
            Assert.That(ModelFamilies.Detect(source).Name, Is.EqualTo(family));
        }
    }

    [Test]
    public void Get_UnknownName_ThrowsListingValidNames()
    {
        Assert.That(ModelFamilies.Get("SD15"), Is.SameAs(Sd15Family.Instance));
        Assert.That(() => ModelFamilies.Get("sd3"),
            Throws.TypeOf<NotSupportedException>().With.Message.Contains("Valid names: sd15"));
    }
}
