// Facts about convolutions and Inception blocks, each answered by building MiniNet layers and running or inspecting
// them, printed beside its formula. The answers live in Facts (one method per question) and are asserted by
// tests/MiniNet.Facts.Tests, so this text cannot drift from the code.
//   dotnet run -c Release --project examples/ConvAndInceptionFacts
//   dotnet run -c Release --project examples/ConvAndInceptionFacts -- --markdown facts.md --graph runs/tape
using System.CommandLine;
using MiniNet.Examples.ConvAndInceptionFacts;
using Spectre.Console;

var markdown = new Option<string?>("--markdown") { Description = "also write the answers as Markdown to this file (written to a temporary file, then renamed)" };
var graph = new Option<string?>("--graph") { Description = "run one training step of a small net and write its tape as DIR/tape.dot (and tape.svg, tape.png with Graphviz)" };
var runs = new Option<int>("--runs") { Description = "timed runs per measurement (the median is printed)", DefaultValueFactory = _ => 5 };
var summaries = new Option<int?>("--summaries") { Description = "print the Summary of MiniGoogLeNet, MiniInceptionV3 and MiniMobileNet down to this depth instead (1: stages)" };
var root = new RootCommand("Answers questions about convolutions and Inception blocks by building MiniNet layers.") { markdown, graph, runs, summaries };
root.SetAction(parse => parse.GetValue(summaries) is { } depth ? PrintSummaries(depth) : Run(parse.GetValue(markdown), parse.GetValue(graph), parse.GetValue(runs)));
return root.Parse(args).Invoke();

// Each model's Summary (shapes, parameters, MACs and receptive field per layer) for a 1x28x28 image.
static int PrintSummaries(int depth)
{
    MiniNet.Layers.Classifier[] models = [new MiniNet.Models.MiniGoogLeNet(), new MiniNet.Models.MiniInceptionV3(), new MiniNet.Models.MiniMobileNet()];
    foreach (var model in models)
        using (model)
        {
            Console.WriteLine($"{model.TypeName}:");
            Console.WriteLine(new MiniNet.Layers.Summary(model, [1, 1, 28, 28]).ToString(depth));
        }
    return 0;
}

static int Run(string? markdownPath, string? graphDirectory, int runs)
{
    if (runs < 1)
    {
        Console.Error.WriteLine("--runs must be at least 1");
        return 2;
    }
    if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200; // a pipe reports 80 columns; the formulas need more

    var answers = Facts.All(runs).ToList();
    AnsiConsole.Write(Report.ToTable(answers));
    if (markdownPath is not null)
    {
        Report.WriteAtomically(markdownPath, Report.ToMarkdown(answers));
        AnsiConsole.MarkupLine($"Markdown written to [blue]{Markup.Escape(markdownPath)}[/]");
    }
    if (graphDirectory is not null)
    {
        var result = TapeGraph.Write(graphDirectory);
        AnsiConsole.MarkupLine($"One training step (loss {result.Loss:F4}, {result.Entries} tape entries): [blue]{Markup.Escape(result.DotPath)}[/]");
        foreach (var file in result.Rendered) AnsiConsole.MarkupLine($"  [blue]{Markup.Escape(file)}[/]");
        AnsiConsole.MarkupLine(Markup.Escape(result.Message));
    }
    return 0;
}
