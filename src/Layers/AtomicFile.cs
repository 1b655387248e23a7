using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace MiniNet.Layers;

/// <summary>
/// Writes a file so that a crash, a <c>kill -9</c> or a power cut leaves either the old file or the new one at the
/// target path, never part of one. Every MiniNet writer (safetensors, checkpoints, IDX, ONNX, curves, tables, reports)
/// puts its files on disk through <see cref="Write"/>.
/// </summary>
/// <remarks>
/// <para>Note: atomic replace. <see cref="Write"/> does, in order:</para>
/// <list type="number">
/// <item>Removes leftovers of this target from processes that no longer run (a process killed while writing leaves
/// its temporary file behind): only names <c>.{file name}.{pid}-{n}.mininet-tmp</c> beside this target, and only when
/// process <c>pid</c> is gone. Leftovers of other targets, and files of a live process, are never touched.</item>
/// <item>Writes the bytes to a new temporary file with that name in the target's folder: the same file system, so the
/// rename below is atomic; a leading dot, so it is hidden; the pid, so a later run knows whose it was.</item>
/// <item>Flushes it to disk (<c>Flush(flushToDisk: true)</c>, i.e. fsync): the data must be on disk before the new
/// name points at it, or a power cut right after the rename can leave the name on an empty or half-written file
/// (ext4 and XFS allocate blocks late).</item>
/// <item>Renames it over the target (<c>rename(2)</c> on Linux and macOS, <c>MoveFileEx</c> with replace on
/// Windows): readers see the old file or the new one.</item>
/// <item>On Linux, fsyncs the folder, so that the rename itself, a change of the folder, is on disk when
/// <see cref="Write"/> returns.</item>
/// </list>
/// <para>A writer that throws leaves the old file as it was and no temporary file.</para>
/// </remarks>
public static partial class AtomicFile
{
    /// <summary>How every temporary file of <see cref="Write"/> ends.</summary>
    public const string TemporarySuffix = ".mininet-tmp";

    static int _sequence; // tells apart the temporary files of concurrent writes to one target in this process

    /// <summary>
    /// Replaces <paramref name="path"/> with what <paramref name="write"/> writes to the stream it is given, atomically
    /// and durably (see the remarks). The stream is a new file positioned at 0; <paramref name="write"/> must leave it
    /// open (wrap it with <c>leaveOpen: true</c>).
    /// </summary>
    /// <param name="path">The file to create or replace; its folder must exist.</param>
    /// <param name="write">Writes the whole content.</param>
    /// <exception cref="ArgumentException">An empty path, or one that names a folder.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder of <paramref name="path"/> does not exist.</exception>
    /// <exception cref="IOException">The folder cannot be written; the disk refused to sync the folder after the rename
    /// (the new file is then in place but may not survive a power cut).</exception>
    /// <remarks>Whatever <paramref name="write"/> throws is rethrown after the temporary file is deleted; the target is untouched.</remarks>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string target = Path.GetFullPath(path);
        string name = Path.GetFileName(target);
        if (name.Length == 0) throw new ArgumentException($"atomic write: {path} names a folder, not a file", nameof(path));
        string folder = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"atomic write: {path}: the folder {folder} does not exist");

        RemoveLeftovers(folder, name);
        int sequence = Interlocked.Increment(ref _sequence);
        string temporary = Path.Combine(folder, TemporaryName(name, Environment.ProcessId, sequence));
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(file);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            TryDelete(temporary); // a no-op when it was never created
            throw;
        }
        SyncFolder(folder);
    }

    /// <summary>As <see cref="Write"/>, with <paramref name="bytes"/> as the content.</summary>
    /// <exception cref="ArgumentException">An empty path, or one that names a folder.</exception>
    /// <exception cref="IOException">As <see cref="Write"/>.</exception>
    public static void WriteAllBytes(string path, ReadOnlyMemory<byte> bytes) => Write(path, stream => stream.Write(bytes.Span));

    /// <summary>As <see cref="Write"/>, with <paramref name="text"/> in UTF-8 without a byte-order mark as the content.</summary>
    /// <exception cref="ArgumentException">An empty path, or one that names a folder.</exception>
    /// <exception cref="IOException">As <see cref="Write"/>.</exception>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        WriteAllBytes(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text));
    }

    /// <summary>The temporary file name of write <paramref name="sequence"/> of process <paramref name="pid"/> to the file <paramref name="name"/>.</summary>
    internal static string TemporaryName(string name, int pid, int sequence) =>
        string.Create(CultureInfo.InvariantCulture, $".{name}.{pid}-{sequence}{TemporarySuffix}");

    /// <summary>Deletes the temporary files of <paramref name="name"/> in <paramref name="folder"/> whose process has ended.</summary>
    static void RemoveLeftovers(string folder, string name)
    {
        string prefix = $".{name}.";
        foreach (string file in Directory.EnumerateFiles(folder, "*" + TemporarySuffix))
        {
            string candidate = Path.GetFileName(file);
            if (!candidate.StartsWith(prefix, StringComparison.Ordinal)) continue;
            if (OwnerPid(candidate.AsSpan(prefix.Length, candidate.Length - prefix.Length - TemporarySuffix.Length)) is not int pid) continue;
            if (pid != Environment.ProcessId && !IsRunning(pid)) TryDelete(file);
        }
    }

    /// <summary>The pid of "{pid}-{n}", or null when <paramref name="middle"/> has another form (then the file is not ours).</summary>
    static int? OwnerPid(ReadOnlySpan<char> middle)
    {
        int dash = middle.IndexOf('-');
        if (dash <= 0) return null;
        var sequence = middle[(dash + 1)..];
        if (sequence.IsEmpty || sequence.ContainsAnyExceptInRange('0', '9')) return null;
        return int.TryParse(middle[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : null;
    }

    static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; } // no such process
        catch (InvalidOperationException) { return false; } // it ended while we looked
    }

    static void TryDelete(string file)
    {
        try { File.Delete(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // best effort; keep the first error
    }

    /// <summary>
    /// On Linux, fsyncs <paramref name="folder"/> so that renames in it are on disk. Returns false where it does
    /// nothing: another OS, or a folder that cannot be opened for reading (write-only permissions).
    /// </summary>
    /// <exception cref="IOException">fsync failed for another reason than the file system not supporting it.</exception>
    internal static bool SyncFolder(string folder)
    {
        if (!OperatingSystem.IsLinux()) return false;
        int fd = Open(folder, ReadOnly | CloseOnExec);
        if (fd < 0) return false;
        try
        {
            if (Fsync(fd) == 0) return true;
            int errno = Marshal.GetLastPInvokeError();
            if (errno is InvalidArgument or NotSupported) return false; // a file system that cannot sync folders
            throw new IOException($"atomic write: fsync of the folder {folder} failed (errno {errno}); the new file is in place but may not survive a power cut");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    // Linux values (the same on x86-64 and arm64).
    const int ReadOnly = 0;              // O_RDONLY
    const int CloseOnExec = 0x80000;     // O_CLOEXEC
    const int InvalidArgument = 22;      // EINVAL
    const int NotSupported = 95;         // EOPNOTSUPP

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
