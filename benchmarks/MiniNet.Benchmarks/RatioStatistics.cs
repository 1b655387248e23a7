using MathNet.Numerics.Random;
using MathNet.Numerics.Statistics;

namespace MiniNet.Benchmarks;

/// <summary>Timing samples in milliseconds per call, with their median and interquartile range.</summary>
/// <param name="Samples">One value per timed batch of calls.</param>
sealed record Timing(double[] Samples)
{
    /// <summary>The median: what the suites report, robust to the odd slow batch on a shared machine.</summary>
    public double Median => Statistics.Median(Samples);

    /// <summary>Upper minus lower quartile (MathNet's R-8 quantiles): the spread of the samples.</summary>
    public double InterquartileRange => Statistics.InterquartileRange(Samples);
}

/// <summary>The ratio of two medians and a bootstrap confidence interval of it.</summary>
/// <param name="Median">median(numerator) / median(denominator).</param>
/// <param name="Low">Lower end of the interval.</param>
/// <param name="High">Upper end of the interval.</param>
/// <param name="Confidence">Its coverage, e.g. 0.95.</param>
sealed record RatioEstimate(double Median, double Low, double High, double Confidence);

/// <summary>Statistics of benchmark ratios, by MathNet.Numerics.</summary>
static class RatioStatistics
{
    /// <summary>
    /// median(<paramref name="numerator"/>) / median(<paramref name="denominator"/>) with a percentile bootstrap
    /// interval: <paramref name="resamples"/> times, resample each set with replacement (independently: the two are
    /// timed in separate phases), take the ratio of the resamples' medians; the interval runs between the
    /// (1 - confidence)/2 and (1 + confidence)/2 quantiles of those ratios. Seeded, so a report repeats exactly.
    /// </summary>
    /// <exception cref="ArgumentException">An empty sample set, or a confidence outside (0, 1).</exception>
    public static RatioEstimate Ratio(Timing numerator, Timing denominator, double confidence = 0.95, int resamples = 2000, int seed = 1)
    {
        if (numerator.Samples.Length == 0 || denominator.Samples.Length == 0) throw new ArgumentException("ratio: both sample sets must be non-empty");
        if (!(confidence > 0 && confidence < 1)) throw new ArgumentException($"ratio: confidence must be in (0, 1), got {confidence}", nameof(confidence));
        var random = new Xoshiro256StarStar(seed);
        var ratios = new double[resamples];
        var a = new double[numerator.Samples.Length];
        var b = new double[denominator.Samples.Length];
        for (int r = 0; r < resamples; r++)
        {
            for (int i = 0; i < a.Length; i++) a[i] = numerator.Samples[random.Next(a.Length)];
            for (int i = 0; i < b.Length; i++) b[i] = denominator.Samples[random.Next(b.Length)];
            ratios[r] = Statistics.Median(a) / Statistics.Median(b);
        }
        double tail = (1 - confidence) / 2;
        return new RatioEstimate(numerator.Median / denominator.Median, Statistics.Quantile(ratios, tail), Statistics.Quantile(ratios, 1 - tail), confidence);
    }
}
