using System.Globalization;

namespace MiniNet.Training;

/// <summary>
/// How many epochs a run trains and when it stops early, from its options and its history alone, so that a run
/// resumed from a checkpoint plans and stops exactly as an uninterrupted one.
/// </summary>
static class RunPlan
{
    /// <summary>
    /// <see cref="TrainerOptions.Epochs"/>, or with a time budget and epoch 1 done, the epochs that fit the budget at
    /// epoch 1's time: ⌊budget / t₁⌋, clamped to [1, Epochs] (Epochs when the history has no times).
    /// </summary>
    public static int Epochs(TrainerOptions options, IReadOnlyList<EpochRecord> history)
    {
        if (options.TimeBudget is not { } budget || history.Count == 0 || !(history[0].ElapsedSeconds > 0)) return options.Epochs; // NaN: a history without times
        double fits = Math.Floor(budget.TotalSeconds / history[0].ElapsedSeconds);
        return (int)Math.Clamp(fits, 1, options.Epochs);
    }

    /// <summary>Why the run stops before its next epoch, or null to go on.</summary>
    public static string? StopReason(TrainerOptions options, IReadOnlyList<EpochRecord> history)
    {
        int planned = Epochs(options, history);
        if (history.Count >= planned && planned < options.Epochs)
            return string.Create(CultureInfo.InvariantCulture, $"time budget: {planned} of {options.Epochs} epochs fit {options.TimeBudget!.Value.TotalMinutes:0.##} min at epoch 1's {history[0].ElapsedSeconds:0.0} s");
        if (options.TimeBudget is { } budget && history.Count > 0)
        {
            double elapsed = history.Sum(r => r.ElapsedSeconds), next = elapsed / history.Count;
            if (elapsed + next > budget.TotalSeconds)
                return string.Create(CultureInfo.InvariantCulture, $"time budget: {elapsed:0.0} s used, another epoch of about {next:0.0} s would pass {budget.TotalSeconds:0.0} s");
        }
        if (options.EarlyStopping is { } rule && history.Count > rule.Patience)
        {
            Func<EpochRecord, double> score = rule.Metric == StoppingMetric.TestAccuracy ? r => r.TestAccuracy : r => -r.TestLoss;
            int best = 0;
            for (int i = 1; i < history.Count; i++)
                if (score(history[i]) > score(history[best]) + rule.MinDelta) best = i;
            int since = history.Count - 1 - best;
            if (since >= rule.Patience)
                return string.Create(CultureInfo.InvariantCulture, $"early stopping: {rule.Metric} has not improved by more than {rule.MinDelta} for {since} epochs (best at epoch {history[best].Epoch})");
        }
        return null;
    }
}
