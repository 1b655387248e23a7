using MiniNet.Benchmarks;

namespace MiniNet.Training.Tests.Benchmarks;

/// <summary>The benchmarks' statistics: medians and quartiles as MathNet defines them, and the bootstrap interval of a ratio.</summary>
public class RatioStatisticsTests
{
    [Fact]
    public void MedianAndInterquartileRangeOfKnownSamples()
    {
        var timing = new Timing([9, 1, 8, 2, 7, 3, 6, 4, 5]);
        Assert.Equal(5, timing.Median);
        // R-8 quartiles of 1..9: position (9 + 1/3)·p + 1/3 gives 2 2/3 and 7 1/3, so the IQR is 4 2/3.
        Assert.Equal(14.0 / 3, timing.InterquartileRange, 12);
        Assert.Equal(2.5, new Timing([4, 1, 2, 3]).Median); // an even count averages the middle two
    }

    [Fact]
    public void ConstantSamplesGiveAPointInterval()
    {
        var ratio = RatioStatistics.Ratio(new Timing([2, 2, 2, 2, 2]), new Timing([4, 4, 4]));
        Assert.Equal((0.5, 0.5, 0.5), (ratio.Median, ratio.Low, ratio.High));
    }

    [Fact]
    public void TheIntervalHoldsTheRatioAndWidensWithTheSpread()
    {
        var even = new Timing(Enumerable.Range(0, 15).Select(i => 10.0 + i % 3 * 0.1).ToArray());
        var tight = RatioStatistics.Ratio(new Timing(even.Samples.Select(x => x * 0.7).ToArray()), even);
        Assert.Equal(0.7, tight.Median, 12);
        Assert.InRange(tight.Low, 0.68, 0.7);
        Assert.InRange(tight.High, 0.7, 0.72);

        var noisy = new Timing(Enumerable.Range(0, 15).Select(i => 7.0 + i % 5).ToArray()); // 7..11, median 9
        var wide = RatioStatistics.Ratio(noisy, even);
        Assert.True(wide.Low < wide.Median && wide.Median < wide.High, $"{wide}");
        Assert.True(wide.High - wide.Low > 5 * (tight.High - tight.Low), $"{wide} against {tight}");
        Assert.InRange(wide.Low, 7.0 / 10.2, wide.Median); // no resample's ratio of medians can leave [min/max, max/min]
        Assert.InRange(wide.High, wide.Median, 11.0 / 10.0);
        Assert.Equal(wide, RatioStatistics.Ratio(noisy, even)); // seeded: the same report twice
    }
}
