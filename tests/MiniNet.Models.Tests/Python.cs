using System.Diagnostics;

namespace MiniNet.Models.Tests;

/// <summary>
/// Runs the scripts of tools/pytorch with a real CPython that has PyTorch, numpy and onnx: <c>$MININET_PYTHON</c>
/// when set, else <c>/usr/bin/python3</c> (Debian's, which sees the apt packages python3-torch, python3-onnx and
/// python3-numpy; a pyenv or venv python3 on PATH usually does not). A missing interpreter or package fails the
/// test with what to install: CI installs them (.ci/run), so these tests never pass by being skipped.
/// </summary>
static class Python
{
    const string Install = "install them with: sudo apt-get install -y python3-torch python3-onnx python3-numpy " +
        "(or point MININET_PYTHON at a python3 that has torch, onnx and numpy)";

    /// <summary>The interpreter the scripts run with.</summary>
    public static string Interpreter { get; } = Environment.GetEnvironmentVariable("MININET_PYTHON") is { Length: > 0 } p ? p : "/usr/bin/python3";

    /// <summary>tools/pytorch of this repository: the first folder above the test binaries that holds MiniNet.sln, then tools/pytorch.</summary>
    public static string ToolsDirectory { get; } = FindTools();

    static readonly Lazy<string?> Missing = new(() =>
    {
        var (code, output) = Start("-c", ["import torch, onnx, numpy"], TimeSpan.FromMinutes(2));
        return code == 0 ? null : $"{Interpreter} cannot import torch, onnx and numpy (exit {code}): {output.Trim()}";
    });

    /// <summary>
    /// Runs tools/pytorch/<paramref name="script"/> with <paramref name="arguments"/> and returns its exit code and
    /// its stdout and stderr together; throws, naming what to install, when python or its packages are missing.
    /// </summary>
    public static (int ExitCode, string Output) Run(string script, params string[] arguments)
    {
        if (Missing.Value is { } why) throw new InvalidOperationException($"PyTorch interop tests need python3 with torch, onnx and numpy: {why}; {Install}");
        return Start(Path.Combine(ToolsDirectory, script), arguments, TimeSpan.FromMinutes(5));
    }

    /// <summary>As <see cref="Run"/>, and fails the test with the script's output unless it exits with 0.</summary>
    public static string RunChecked(string script, params string[] arguments)
    {
        var (code, output) = Run(script, arguments);
        Assert.True(code == 0, $"python3 {script} {string.Join(' ', arguments)} exited with {code}:\n{output}");
        return output;
    }

    static (int ExitCode, string Output) Start(string first, string[] arguments, TimeSpan limit)
    {
        var info = new ProcessStartInfo(Interpreter) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(first);
        foreach (var a in arguments) info.ArgumentList.Add(a);
        info.Environment["OMP_NUM_THREADS"] = "1"; // the tests share two cores with each other; one batch needs no more
        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1"; // no __pycache__ in tools/pytorch from a test run
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"{Interpreter} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"PyTorch interop tests need python3 at {Interpreter}, which cannot be run ({e.Message}); {Install}", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(limit))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{Interpreter} {first} did not finish within {limit.TotalMinutes} minutes");
            }
            return (process.ExitCode, stdout.Result + stderr.Result);
        }
    }

    static string FindTools()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MiniNet.sln"))) return Path.Combine(dir.FullName, "tools", "pytorch");
        throw new InvalidOperationException($"MiniNet.sln not found in any folder above {AppContext.BaseDirectory}");
    }
}
