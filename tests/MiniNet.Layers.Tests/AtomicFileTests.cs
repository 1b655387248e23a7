namespace MiniNet.Layers.Tests;

/// <summary>
/// AtomicFile: the content replaces the old file only when the writer finished; a writer that throws part way leaves
/// the old file whole; no temporary file remains after success or failure; the temporary file is the recognisable
/// one in the target's folder; leftovers of ended processes are removed for this target only; the folder is fsynced.
/// The kill -9 side is tests/MiniNet.Training.Tests/CrashTests.cs.
/// </summary>
public sealed class AtomicFileTests : IDisposable
{
    // Above Linux's largest pid_max (2^22) and Windows' pids in practice: never a running process.
    const int EndedPid = 1 << 30;

    readonly string _folder = Directory.CreateTempSubdirectory("atomic-file-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    string[] Names() => [.. Directory.GetFiles(_folder).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    [Fact]
    public void Writes_the_content_and_replaces_an_older_file_leaving_no_temporary_file()
    {
        string path = Path.Combine(_folder, "a.bin");
        AtomicFile.WriteAllBytes(path, new byte[] { 1, 2, 3 });
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        AtomicFile.Write(path, stream => stream.Write([9, 8]));
        Assert.Equal([9, 8], File.ReadAllBytes(path));
        AtomicFile.WriteAllText(path, "é\n");
        Assert.Equal([0xC3, 0xA9, (byte)'\n'], File.ReadAllBytes(path)); // UTF-8, no byte-order mark
        Assert.Equal(["a.bin"], Names());
    }

    [Fact]
    public void A_writer_that_throws_part_way_leaves_the_old_file_whole_and_no_temporary_file()
    {
        string path = Path.Combine(_folder, "model.safetensors");
        byte[] old = [.. Enumerable.Range(0, 100_000).Select(i => (byte)i)];
        File.WriteAllBytes(path, old);
        var e = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[70_000]); // more than the stream's buffer: part of it has reached the temporary file
            stream.Flush();
            throw new InvalidOperationException("writer failed");
        }));
        Assert.Equal("writer failed", e.Message);
        Assert.Equal(old, File.ReadAllBytes(path));
        Assert.Equal(["model.safetensors"], Names());

        // Also when there was no old file: nothing appears.
        string fresh = Path.Combine(_folder, "fresh.bin");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(fresh, _ => throw new InvalidOperationException()));
        Assert.Equal(["model.safetensors"], Names());
    }

    [Fact]
    public void The_bytes_go_to_one_recognisable_hidden_file_beside_the_target()
    {
        string path = Path.Combine(_folder, "curves.png");
        File.WriteAllBytes(path, [7]);
        string[] during = [];
        AtomicFile.Write(path, stream =>
        {
            stream.Write([1]);
            during = Names();
            Assert.Equal([7], File.ReadAllBytes(path)); // the target is untouched until the rename
        });
        string temporary = Assert.Single(during, n => n != "curves.png");
        Assert.Matches($@"^\.curves\.png\.{Environment.ProcessId}-\d+\.mininet-tmp$", temporary);
        Assert.Equal(["curves.png"], Names());
    }

    [Fact]
    public void Leftovers_of_ended_processes_are_removed_for_this_target_only()
    {
        string path = Path.Combine(_folder, "checkpoint.safetensors");
        string ended = AtomicFile.TemporaryName("checkpoint.safetensors", EndedPid, 3);
        string live = AtomicFile.TemporaryName("checkpoint.safetensors", Environment.ProcessId, 1_000_000); // this process: running
        string otherTarget = AtomicFile.TemporaryName("history.csv", EndedPid, 1);
        string longerName = AtomicFile.TemporaryName("checkpoint.safetensors.bak", EndedPid, 1); // shares the prefix
        string notOurs = ".checkpoint.safetensors.123.tmp";
        foreach (var name in new[] { ended, live, otherTarget, longerName, notOurs }) File.WriteAllBytes(Path.Combine(_folder, name), [0]);

        AtomicFile.WriteAllBytes(path, new byte[] { 5 });

        Assert.Equal([5], File.ReadAllBytes(path));
        Assert.Equal(new[] { notOurs, live, longerName, otherTarget, "checkpoint.safetensors" }.Order(StringComparer.Ordinal), Names());
    }

    [Fact]
    public void A_missing_folder_or_a_folder_path_is_refused_before_anything_is_written()
    {
        var missing = Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.WriteAllBytes(Path.Combine(_folder, "no", "x.bin"), new byte[1]));
        Assert.Contains("does not exist", missing.Message);
        var folder = Assert.Throws<ArgumentException>(() => AtomicFile.WriteAllBytes(_folder + Path.DirectorySeparatorChar, new byte[1]));
        Assert.Contains("names a folder", folder.Message);
        Assert.Empty(Names());
    }

    [Fact]
    public void On_linux_the_folder_is_fsynced()
    {
        Assert.Equal(OperatingSystem.IsLinux(), AtomicFile.SyncFolder(_folder));
        if (OperatingSystem.IsLinux()) Assert.False(AtomicFile.SyncFolder(Path.Combine(_folder, "missing"))); // cannot be opened: skipped
    }
}
