
namespace MiniNet.Examples.ConvAndInceptionFacts.Tests;

// Questions 3, 9, 13: receptive fields from Summary and measured with a one-hot gradient.
public class ReceptiveFieldTests
{
    [Fact]
    public void Q3_three_3x3_see_7x7_for_27_C_squared_weights()
    {
        var answer = Facts.StackedThreeByThree();
        Assert.Equal(7, answer.FieldFromSummary); // 1 + 3·(3 - 1)
        Assert.Equal(new MeasuredField(7, 7, 49), answer.Measured);
        Assert.Equal(64, answer.Channels);
        Assert.Equal(27L * 64 * 64, answer.StackParameters);
        Assert.Equal(49L * 64 * 64, answer.SevenParameters);
    }

    [Fact]
    public void Q9_dilated_3x3_reaches_9_pixels_spread_over_5x5()
    {
        var answer = Facts.Dilated();
        Assert.Equal(9, answer.Weights);
        Assert.Equal(5, answer.FieldFromSummary); // 2·(3 - 1) + 1
        Assert.Equal(new MeasuredField(5, 5, 9), answer.Measured);
    }

    [Fact]
    public void Q13_two_3x3_match_a_5x5_field_with_fewer_weights_and_one_more_relu()
    {
        var answer = Facts.FiveVersusTwoThree();
        Assert.Equal(5 * 5, answer.FiveWeightsPerPair);
        Assert.Equal(2 * 3 * 3, answer.TwoThreeWeightsPerPair);
        Assert.Equal(5, answer.FiveField);
        Assert.Equal(5, answer.TwoThreeField);
        Assert.Equal(1, answer.FiveNonLinearities);
        Assert.Equal(2, answer.TwoThreeNonLinearities);
    }
}
