
namespace MiniNet.Examples.ConvAndInceptionFacts.Tests;

public class TapeGraphTests
{
    [Fact]
    public void Dot_of_one_training_step_names_the_convolutions_and_the_loss()
    {
        string directory = Path.Combine(Path.GetTempPath(), "facts-graph-" + Guid.NewGuid().ToString("N"));
        try
        {
            var result = TapeGraph.Write(directory, render: false);
            Assert.Equal(Path.Combine(directory, "tape.dot"), result.DotPath);
            string dot = File.ReadAllText(result.DotPath);
            Assert.Equal(result.Dot, dot);
            Assert.StartsWith("digraph tape {", dot);
            Assert.Contains("label=\"conv2d\"", dot);
            Assert.Contains("label=\"cross_entropy\"", dot);
            // conv, bn, relu twice; max pool, flatten (reshape), linear, cross-entropy
            Assert.Equal(10, result.Entries);
            Assert.Equal(2, dot.Split("label=\"conv2d\"").Length - 1);
            Assert.True(double.IsFinite(result.Loss));
            Assert.Empty(result.Rendered);
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Rendering_makes_svg_and_png_or_says_how_to_install_graphviz()
    {
        string directory = Path.Combine(Path.GetTempPath(), "facts-graph-" + Guid.NewGuid().ToString("N"));
        try
        {
            var result = TapeGraph.Write(directory);
            if (result.Rendered.Count == 0)
                Assert.Contains("apt-get install graphviz", result.Message);
            else
            {
                Assert.Equal([Path.Combine(directory, "tape.svg"), Path.Combine(directory, "tape.png")], result.Rendered);
                Assert.Contains("<svg", File.ReadAllText(result.Rendered[0]));
                Assert.True(new FileInfo(result.Rendered[1]).Length > 0);
            }
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }
}
