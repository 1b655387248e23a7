
namespace MiniNet.Examples.ConvAndInceptionFacts.Tests;

// The printed text is built from the answers' values; these tests check that it shows them and that the files are written whole.
public class ReportTests
{
    [Fact]
    public void All_answers_come_in_question_order_with_rows()
    {
        var answers = Facts.All(runs: 1).ToList();
        Assert.Equal(Enumerable.Range(1, 15), answers.Select(a => a.Number));
        Assert.All(answers, a => Assert.NotEmpty(a.Rows()));
        Assert.All(answers.SelectMany(a => a.Rows()), r => Assert.False(string.IsNullOrWhiteSpace(r.Value)));
    }

    [Fact]
    public void Rows_print_the_computed_values()
    {
        Assert.Contains(Facts.Pointwise().Rows(), r => r.Value == "136 (formula 136)");
        Assert.Contains(Facts.Separable().Rows(), r => r.Value == "576 + 8,192 = 8,768");
        Assert.Contains(Facts.GlobalPooling().Rows(), r => r.Value.StartsWith("102,764,544 parameters"));
        Assert.Contains(Facts.Grouped().Rows(), r => r.Value.StartsWith("147,712 (formula 147,712)"));
    }

    [Fact]
    public void Markdown_is_written_whole_with_a_section_per_question()
    {
        string directory = Path.Combine(Path.GetTempPath(), "facts-tests-" + Guid.NewGuid().ToString("N"));
        try
        {
            var answers = new Answer[] { Facts.Pointwise(), Facts.Separable() };
            string path = Path.Combine(directory, "sub", "facts.md");
            Report.WriteAtomically(path, Report.ToMarkdown(answers));
            string text = File.ReadAllText(path);
            Assert.Contains("## 5. A 1x1 conv is a per-pixel matmul", text);
            Assert.Contains("## 12. Depthwise separable vs dense", text);
            Assert.Contains("| 12 | depthwise + pointwise | Cin·K² + Cin·Cout = 64·9 + 64·128 | 576 + 8,192 = 8,768 |", text);
            Assert.Equal(["facts.md"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName)); // no temporary file left
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }
}
