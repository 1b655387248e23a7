using Spectre.Console;

namespace MiniNet.Training;

/// <summary>Receives a trainer's progress: epochs starting, batches done, epochs done.</summary>
interface IProgressReporter
{
    void StartEpoch(string title, int batches);
    void BatchDone(int batch, string status);
    void EpochDone(string summary);
}

/// <summary>
/// The trainer's progress display: a live Spectre.Console bar per epoch (loss, accuracy, images/s) when the console is
/// a terminal, plain lines (about ten per epoch, then the epoch's summary) when it is not, as in CI or a log file.
/// </summary>
static class TrainingProgress
{
    /// <summary>Runs <paramref name="body"/> with a reporter of the chosen kind (null: a bar only on a terminal).</summary>
    public static void Run(bool? interactive, TextWriter log, Action<IProgressReporter> body)
    {
        bool live = interactive ?? (!Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive);
        if (!live)
        {
            body(new PlainReporter(log));
            return;
        }
        var summaries = new List<string>();
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context => body(new LiveReporter(context, summaries)));
        foreach (var summary in summaries) AnsiConsole.WriteLine(summary);
    }

    sealed class PlainReporter(TextWriter log) : IProgressReporter
    {
        string _title = "";
        int _batches, _every;

        public void StartEpoch(string title, int batches) => (_title, _batches, _every) = (title, batches, Math.Max(1, batches / 10));

        public void BatchDone(int batch, string status)
        {
            if (batch % _every == 0 || batch == _batches) log.WriteLine($"{_title} batch {batch}/{_batches} {status}");
        }

        public void EpochDone(string summary) => log.WriteLine(summary);
    }

    sealed class LiveReporter(ProgressContext context, List<string> summaries) : IProgressReporter
    {
        ProgressTask? _task;
        string _title = "";

        public void StartEpoch(string title, int batches)
        {
            _title = title;
            _task = context.AddTask(Markup.Escape(title), maxValue: batches);
        }

        public void BatchDone(int batch, string status)
        {
            _task!.Value = batch;
            _task.Description = Markup.Escape($"{_title} {status}");
        }

        public void EpochDone(string summary)
        {
            _task!.StopTask();
            summaries.Add(summary);
            context.Refresh();
        }
    }
}
