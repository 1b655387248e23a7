namespace MiniNet.Examples.ConvAndInceptionFacts;

/// <summary>
/// The questions about convolutions and Inception blocks, one method each, answered by building MiniNet layers and
/// running or inspecting them. Each returns a record of named values (asserted by tests/MiniNet.Facts.Tests) whose
/// <see cref="Answer.Rows"/> prints them beside their formulas. The methods are spread over files by topic.
/// </summary>
public static partial class Facts
{
    /// <summary>Every answer, in question order.</summary>
    /// <param name="runs">Timed runs per measurement in questions 4 and 10 (after one warm-up).</param>
    public static IEnumerable<Answer> All(int runs = 5)
    {
        yield return OutputSizes();
        yield return ConvVersusDense();
        yield return StackedThreeByThree();
        yield return Downsampling(runs);
        yield return Pointwise();
        yield return ConvBackward();
        yield return Padding();
        yield return Grouped();
        yield return Dilated();
        yield return SpeedUps(runs);
        yield return BottleneckCost();
        yield return Separable();
        yield return FiveVersusTwoThree();
        yield return GlobalPooling();
        yield return InceptionBlocks();
    }
}
