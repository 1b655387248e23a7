namespace MiniNet.Training.Tests;

/// <summary>README's "Your own model" section is the code of YourOwnModel.cs, character for character, and it runs.</summary>
public class ReadmeExampleTests : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("mininet-readme-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    static string RepositoryFile(string name)
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, name)) && Directory.Exists(Path.Combine(folder.FullName, "tests")))
                return Path.Combine(folder.FullName, name);
        throw new FileNotFoundException($"no {name} above {AppContext.BaseDirectory}");
    }

    static string Between(string text, string start, string end, string what)
    {
        int from = text.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, $"{what}: no \"{start}\"");
        from += start.Length;
        int to = text.IndexOf(end, from, StringComparison.Ordinal);
        Assert.True(to >= 0, $"{what}: no \"{end}\" after \"{start}\"");
        return text[from..to];
    }

    [Fact]
    public void TheReadmeShowsExactlyTheTestedCode()
    {
        string readme = File.ReadAllText(RepositoryFile("README.md")).ReplaceLineEndings("\n");
        string section = Between(readme, "\n## Your own model\n", "\n## ", "README.md");
        string shown = Between(section, "```csharp\n", "```", "README.md, Your own model");
        string source = File.ReadAllText(Path.Combine(Path.GetDirectoryName(RepositoryFile("README.md"))!, "tests", "MiniNet.Training.Tests", "YourOwnModel.cs")).ReplaceLineEndings("\n");
        Assert.Equal(Between(source, "// README begin\n", "// README end\n", "YourOwnModel.cs"), shown);
    }

    [Fact]
    public void TheReadmeCodeTrainsAndReports()
    {
        var train = TrainerTests.Slice(FashionMnist.Load(null, train: true), 1024);
        var test = TrainerTests.Slice(FashionMnist.Load(null, train: false), 256);
        var evaluation = YourOwnModel.Run(train, test, _folder);
        Assert.Equal(256, evaluation.Images);
        Assert.True(evaluation.Accuracy > 0.3, $"accuracy {evaluation.Accuracy} after 2 epochs of 1,024 images (chance: 0.1)");
        foreach (var file in new[] { Trainer.CurvesFileName, EvaluationReport.ConfusionMatrixFileName, EvaluationReport.ConfusedExamplesFileName })
            Assert.True(File.Exists(Path.Combine(_folder, file)), file);
    }
}
