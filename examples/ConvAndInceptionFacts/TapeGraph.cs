using System.Diagnostics;
using MiniNet.Layers;
using MiniNet.Training;

namespace MiniNet.Examples.ConvAndInceptionFacts;

/// <summary>What <see cref="TapeGraph.Write"/> did.</summary>
/// <param name="DotPath">DIR/tape.dot.</param>
/// <param name="Dot">The DOT text written there (<see cref="Tape.ToDot"/>).</param>
/// <param name="Entries">Tape entries of the step (ops recorded by the forward and the loss).</param>
/// <param name="Loss">The cross-entropy of the step.</param>
/// <param name="Rendered">tape.svg and tape.png when Graphviz's <c>dot</c> rendered them; empty otherwise.</param>
/// <param name="Message">What happened to the rendering, e.g. how to install Graphviz.</param>
public sealed record TapeGraphResult(string DotPath, string Dot, int Entries, double Loss, IReadOnlyList<string> Rendered, string Message);

/// <summary>
/// "Seeing the machinery": one training step of a small net with the tape retained, its graph written as Graphviz DOT
/// and, when <c>dot</c> is on PATH, rendered to SVG and PNG.
/// </summary>
public static class TapeGraph
{
    /// <summary>
    /// Builds conv 1 -> 4 (3x3 pad 1), BN, ReLU, conv 4 -> 8 (3x3 pad 1), BN, ReLU, 2x2 max pool, flatten, linear
    /// 128 -> 3; runs one SGD step on a batch of 4 random 1x8x8 images with cross-entropy: backward with
    /// <c>retainGraph: true</c>, then writes <see cref="Tape.ToDot"/> of the step to <paramref name="directory"/>/tape.dot.
    /// </summary>
    /// <param name="directory">Created if missing.</param>
    /// <param name="render">Also run <c>dot -Tsvg</c> and <c>dot -Tpng</c> (when found on PATH).</param>
    public static TapeGraphResult Write(string directory, bool render = true)
    {
        Directory.CreateDirectory(directory);
        var generator = new Generator(seed: 17);
        using var model = new Sequential(
            new Conv2D(1, 4, 3, padding: 1, generator: generator), new BatchNorm2D(4), new ReLU(),
            new Conv2D(4, 8, 3, padding: 1, generator: generator), new BatchNorm2D(8), new ReLU(),
            new MaxPool2D(2), new Flatten(), new Linear(8 * 4 * 4, 3, generator: generator));
        using var optimizer = new Sgd(model.Parameters(), lr: 0.1);

        string dot;
        int entries;
        double loss;
        using (var step = Tensor.Scope())
        {
            var images = Tensor.Normal([4, 1, 8, 8], generator: generator);
            var targets = Tensor.FromArray(new long[] { 0, 1, 2, 1 }, 4);
            var lossTensor = Tensor.CrossEntropy(model.Call(images), targets);
            optimizer.ZeroGrad();
            lossTensor.Backward(retainGraph: true); // keep the entries so the graph can be drawn after the backward
            dot = Tape.Current.ToDot();
            entries = Tape.Current.Entries.Count;
            loss = lossTensor.Item();
        } // the scope's end releases the retained entries: only then may the optimizer change the weights in place
        optimizer.Step();

        string dotPath = Path.Combine(directory, "tape.dot");
        Report.WriteAtomically(dotPath, dot);
        if (!render) return new TapeGraphResult(dotPath, dot, entries, loss, [], "rendering skipped");
        string? dotTool = FindOnPath("dot");
        if (dotTool is null)
            return new TapeGraphResult(dotPath, dot, entries, loss, [],
                "Graphviz 'dot' is not on PATH, so only tape.dot was written; install it (Debian/Ubuntu: sudo apt-get install graphviz) and rerun");
        var rendered = new List<string>();
        foreach (string format in new[] { "svg", "png" })
        {
            string output = Path.Combine(directory, $"tape.{format}");
            var (ok, error) = Run(dotTool, $"-T{format}", "-o", output, dotPath);
            if (!ok) return new TapeGraphResult(dotPath, dot, entries, loss, rendered, $"dot -T{format} failed: {error}");
            rendered.Add(output);
        }
        return new TapeGraphResult(dotPath, dot, entries, loss, rendered, $"rendered with {dotTool}");
    }

    static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, OperatingSystem.IsWindows() ? tool + ".exe" : tool))
            .FirstOrDefault(File.Exists);

    static (bool Ok, string Error) Run(string tool, params string[] arguments)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode == 0, error.Trim());
    }
}
