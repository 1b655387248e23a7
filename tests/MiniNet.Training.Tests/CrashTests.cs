using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using MiniNet.Layers;
using Xunit.Abstractions;

namespace MiniNet.Training.Tests;

/// <summary>
/// Kill -9: tests/MiniNet.CrashChild trains a tiny net and writes the trainer's checkpoint, curves and history after
/// every epoch; this test kills it at seeded random moments, a third of the kills as soon as the child's n-th
/// checkpoint temporary file appears (so in the middle of that write), the others a random fraction of an epoch after
/// it resumed or finished an epoch. After every kill the checkpoint at the target path must load and pass its digest,
/// hold no fewer epochs than before, and be the one the next run resumes from; the curves and the history are whole
/// files; leftover temporary files never pile up (at most one per target, removed by the next write). The run resumed after all kills must end with the same
/// tensors, bit for bit, as an uninterrupted run.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output) : IDisposable
{
    const int Epochs = 50;
    const int Kills = 24;
    const int MinKillsDuringAWrite = 3;
    static readonly TimeSpan Patience = TimeSpan.FromMinutes(2); // only a hung child waits this long

    readonly string _folder = Directory.CreateTempSubdirectory("mininet-crash-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_run_killed_24_times_resumes_from_whole_checkpoints_and_ends_bit_for_bit_as_an_uninterrupted_one()
    {
        var uninterrupted = Task.Run(() => RunToEnd(Path.Combine(_folder, "uninterrupted")));
        string folder = Path.Combine(_folder, "killed");
        string checkpoint = Path.Combine(folder, Trainer.CheckpointFileName);
        var random = new Random(13);
        TimeSpan epochTime = TimeSpan.FromMilliseconds(300); // refined from the child's own pace
        int epochs = 0, killsDuringAWrite = 0;
        for (int kill = 0; kill < Kills; kill++)
        {
            using var child = Child.Start(folder);
            Assert.Equal($"ready {epochs}", child.NextLine()); // it resumed from the checkpoint we checked
            if (kill % 3 == 1)
            {
                string written = child.KillDuringCheckpointWrite(folder, nth: random.Next(1, 3));
                if (File.Exists(written)) killsDuringAWrite++; // killed before the rename
            }
            else
            {
                var started = Stopwatch.StartNew();
                if (random.Next(3) == 0)
                {
                    Assert.Equal($"epoch {epochs + 1}", child.NextLine());
                    epochTime = started.Elapsed;
                    started.Restart();
                }
                child.KillAfter(epochTime * random.NextDouble());
            }
            epochs = CheckWhole(checkpoint, epochs);
            CheckWholeCurvesAndHistory(folder, epochs);
            var leftovers = Temporaries(folder);
            Assert.True(leftovers.Length <= 3, $"after kill {kill + 1}: {leftovers.Length} temporary files: {string.Join(", ", leftovers)}");
        }
        output.WriteLine($"{Kills} kills, {killsDuringAWrite} of them during a checkpoint write; {epochs} of {Epochs} epochs done before the last resume");
        Assert.True(killsDuringAWrite >= MinKillsDuringAWrite, $"only {killsDuringAWrite} of {Kills / 3} write-watching kills landed before the rename");
        Assert.True(epochs < Epochs, "the killed run had finished before its resume");

        RunToEnd(folder);
        Assert.Empty(Temporaries(folder));
        await uninterrupted;
        AssertSameTensors(Path.Combine(_folder, "uninterrupted", Trainer.CheckpointFileName), checkpoint);
    }

    /// <summary>Loads the checkpoint (digest verified by Checkpoint.Load) and returns its epoch count, which must not go back.</summary>
    static int CheckWhole(string checkpoint, int epochsBefore)
    {
        if (!File.Exists(checkpoint))
        {
            Assert.Equal(0, epochsBefore); // it never disappears once written
            return 0;
        }
        using var scope = Tensor.Scope();
        var file = Checkpoint.Load(checkpoint);
        int epochs = (int)file.Tensors["trainer.epoch"].Item();
        Assert.InRange(epochs, epochsBefore, Epochs);
        return epochs;
    }

    /// <summary>The PNG and the CSV, written after the checkpoint, are whole files (of an epoch up to the checkpoint's).</summary>
    static void CheckWholeCurvesAndHistory(string folder, int epochs)
    {
        string curves = Path.Combine(folder, Trainer.CurvesFileName), history = Path.Combine(folder, Trainer.HistoryFileName);
        if (File.Exists(curves))
        {
            byte[] png = File.ReadAllBytes(curves);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            Assert.Equal([(byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82], png[^8..]); // the closing chunk
        }
        if (File.Exists(history))
        {
            string text = File.ReadAllText(history);
            Assert.EndsWith("\n", text);
            string[] rows = text.TrimEnd().Split('\n')[1..]; // below the header, one row per epoch 1, 2, ...
            Assert.InRange(rows.Length, 0, epochs); // a kill after the checkpoint's rename leaves the table behind
            for (int i = 0; i < rows.Length; i++) Assert.StartsWith($"{i + 1},", rows[i]);
        }
    }

    static void RunToEnd(string folder)
    {
        using var child = Child.Start(folder);
        string line;
        do line = child.NextLine(); while (line != "done");
        Assert.True(child.Process.WaitForExit(Patience), "the child did not exit after \"done\"");
        Assert.Equal(0, child.Process.ExitCode);
    }

    static string[] Temporaries(string folder) => Directory.GetFiles(folder, "*" + AtomicFile.TemporarySuffix).Select(Path.GetFileName).ToArray()!;

    static void AssertSameTensors(string expectedPath, string actualPath)
    {
        using var scope = Tensor.Scope();
        var expected = Checkpoint.Load(expectedPath).Tensors;
        var actual = Checkpoint.Load(actualPath).Tensors;
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Epochs, (int)actual["trainer.epoch"].Item());
        foreach (var (name, tensor) in expected)
        {
            var other = actual[name];
            Assert.Equal(tensor.DType, other.DType);
            Assert.True(Bits(tensor).SequenceEqual(Bits(other)), $"{name} differs from the uninterrupted run's");
        }
    }

    static byte[] Bits(Tensor tensor) => tensor.DType switch
    {
        DType.Float32 => MemoryMarshal.AsBytes<float>(tensor.ToArray<float>()).ToArray(),
        DType.Float64 => MemoryMarshal.AsBytes<double>(tensor.ToArray<double>()).ToArray(),
        _ => MemoryMarshal.AsBytes<long>(tensor.ToArray<long>()).ToArray(),
    };

    /// <summary>One run of tests/MiniNet.CrashChild on a folder, its stdout read line by line.</summary>
    sealed class Child : IDisposable
    {
        static readonly string Program = Path.Combine(AppContext.BaseDirectory, "MiniNet.CrashChild.dll");
        readonly BlockingCollection<string?> _lines = [];

        public readonly Process Process;

        Child(Process process) => Process = process;

        public static Child Start(string folder)
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var arg in new[] { Program, folder, Epochs.ToString(CultureInfo.InvariantCulture) }) info.ArgumentList.Add(arg);
            var child = new Child(Process.Start(info)!);
            child.Process.OutputDataReceived += (_, e) => child._lines.Add(e.Data); // null at the end of the stream
            child.Process.BeginOutputReadLine();
            return child;
        }

        public string NextLine()
        {
            Assert.True(_lines.TryTake(out var line, Patience), "the child printed nothing for two minutes");
            return line ?? throw new Xunit.Sdk.XunitException($"the child ended early (exit code {ExitCode()})");
        }

        /// <summary>Waits for the <paramref name="nth"/> checkpoint temporary file of this child, kills it, and returns that file's path.</summary>
        public string KillDuringCheckpointWrite(string folder, int nth)
        {
            string pattern = $".{Trainer.CheckpointFileName}.{Process.Id}-*{AtomicFile.TemporarySuffix}";
            var seen = new HashSet<string>();
            var clock = Stopwatch.StartNew();
            while (true)
            {
                foreach (var file in Directory.EnumerateFiles(folder, pattern))
                    if (seen.Add(file) && seen.Count == nth)
                    {
                        Kill();
                        return file;
                    }
                Assert.False(Process.HasExited, $"the child ended before its checkpoint write {nth} (exit code {ExitCode()})");
                Assert.True(clock.Elapsed < Patience, "no checkpoint write seen for two minutes");
                Thread.Sleep(1);
            }
        }

        public void KillAfter(TimeSpan delay)
        {
            Thread.Sleep(delay);
            Assert.False(Process.HasExited, $"the child ended before it was killed (exit code {ExitCode()})");
            Kill();
        }

        void Kill()
        {
            Process.Kill(); // SIGKILL on Linux and macOS, TerminateProcess on Windows: no handler runs
            Assert.True(Process.WaitForExit(Patience), "the killed child did not exit");
            Process.WaitForExit(); // and its stdout is read to the end
        }

        string ExitCode() => Process.HasExited ? Process.ExitCode.ToString(CultureInfo.InvariantCulture) : "none yet";

        public void Dispose()
        {
            if (!Process.HasExited) Process.Kill();
            Process.WaitForExit(); // no line arrives after the collection is gone
            Process.Dispose();
            _lines.Dispose();
        }
    }
}
