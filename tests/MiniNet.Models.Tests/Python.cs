using System.Diagnostics;

namespace MiniNet.Models.Tests;

/// <summary>
/// Runs the scripts of tools/pytorch with a real CPython that has PyTorch, numpy and onnx: <c>$MININET_PYTHON</c>
/// when set, else <c>/usr/bin/python3</c> (Debian's, which sees the apt packages python3-torch, python3-onnx and
/// python3-numpy; a pyenv or venv python3 on PATH usually does not). Missing packages are installed on first need
/// (tools/pytorch/ensure-python-deps.sh); where that fails, the test fails with what to install: these tests never
/// pass by being skipped.
/// </summary>
static class Python
{
    const string Install = "install them with: sudo apt-get install -y python3-torch python3-onnx python3-numpy " +
        "(or point MININET_PYTHON at a python3 that has torch, onnx and numpy)";

    /// <summary>The interpreter the scripts run with.</summary>
    public static string Interpreter { get; } = Environment.GetEnvironmentVariable("MININET_PYTHON") is { Length: > 0 } p ? p : "/usr/bin/python3";

    /// <summary>tools/pytorch of this repository: the first folder above the test binaries that holds MiniNet.sln, then tools/pytorch.</summary>
    public static string ToolsDirectory { get; } = FindTools();

    // Once per test run: tools/pytorch/ensure-python-deps.sh installs Debian's packages when the interpreter lacks
    // them (what .ci/run does first), so `dotnet test` alone works on a fresh machine of this kind.
    static readonly Lazy<string?> Missing = new(() =>
    {
        var (code, output) = Start("/bin/bash", [Path.Combine(ToolsDirectory, "ensure-python-deps.sh")], TimeSpan.FromMinutes(15));
        return code == 0 ? null : $"{Interpreter} cannot import torch, onnx and numpy (exit {code}): {output.Trim()}";
    });

    /// <summary>
    /// Runs tools/pytorch/<paramref name="script"/> with <paramref name="arguments"/> and returns its exit code and
    /// its stdout and stderr together; throws, naming what to install, when python or its packages are missing.
    /// </summary>
    public static (int ExitCode, string Output) Run(string script, params string[] arguments)
    {
        if (Missing.Value is { } why) throw new InvalidOperationException($"PyTorch interop tests need python3 with torch, onnx and numpy: {why}; {Install}");
        return Start(Interpreter, [Path.Combine(ToolsDirectory, script), .. arguments], TimeSpan.FromMinutes(5));
    }

    /// <summary>As <see cref="Run"/>, and fails the test with the script's output unless it exits with 0.</summary>
    public static string RunChecked(string script, params string[] arguments)
    {
        var (code, output) = Run(script, arguments);
        Assert.True(code == 0, $"python3 {script} {string.Join(' ', arguments)} exited with {code}:\n{output}");
        return output;
    }

    static (int ExitCode, string Output) Start(string program, string[] arguments, TimeSpan limit)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment["MININET_PYTHON"] = Interpreter; // for ensure-python-deps.sh
        foreach (var a in arguments) info.ArgumentList.Add(a);
        info.Environment["OMP_NUM_THREADS"] = "1"; // the tests share two cores with each other; one batch needs no more
        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1"; // no __pycache__ in tools/pytorch from a test run
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"PyTorch interop tests need {program}, which cannot be run ({e.Message}); {Install}", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(limit))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {limit.TotalMinutes} minutes");
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
