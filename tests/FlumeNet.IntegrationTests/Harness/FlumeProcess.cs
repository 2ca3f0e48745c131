using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace FlumeNet.IntegrationTests.Harness;

/// <summary>
/// A real <c>flume-ng</c> process. Every console line (stdout and stderr) is kept, in order, for assertions.
/// Disposing kills what is still running.
/// </summary>
public sealed partial class FlumeProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly object _gate = new();

    private FlumeProcess(Process process, string description)
    {
        _process = process;
        Description = description;
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Description { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public IReadOnlyList<string> Lines => _lines.ToArray();

    public string Output => string.Join('\n', _lines);

    /// <summary>Starts <c>flume-ng agent --conf-file F --name A</c> with console logging.</summary>
    public static FlumeProcess StartAgent(string confFile, string name = "a1", params string[] extra)
    {
        var args = new List<string> { "agent", "--conf-file", confFile, "--name", name, "-Dflume.root.logger=INFO,console", "--no-reload-conf" };
        args.AddRange(extra);
        return Start(args, $"agent {name} ({System.IO.Path.GetFileName(confFile)})");
    }

    /// <summary>Starts <c>flume-ng</c> with <paramref name="args"/>.</summary>
    public static FlumeProcess Start(IEnumerable<string> args, string? description = null, string? stdin = null)
    {
        var psi = new ProcessStartInfo(FlumeBinary.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var p = Process.Start(psi) ?? throw new InvalidOperationException("flume-ng did not start");
        var fp = new FlumeProcess(p, description ?? string.Join(' ', psi.ArgumentList));
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }

        return fp;
    }

    /// <summary>Waits until a console line contains <paramref name="text"/>; fails with the output so far.</summary>
    public string WaitForLine(string text, TimeSpan timeout)
    {
        string? found = null;
        Retry.Until(() => (found = _lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal))) is not null, timeout, () => $"{Description}: no line containing '{text}'. Output:\n{Tail()}");
        return found!;
    }

    public int CountLines(string text) => _lines.Count(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>Sends a signal (9 = SIGKILL, 15 = SIGTERM).</summary>
    public void Signal(int signal)
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, signal);
        }
    }

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }

        _process.WaitForExit(); // flushes the asynchronous output readers
        return true;
    }

    public string Tail(int lines = 60) => string.Join('\n', _lines.TakeLast(lines));

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            lock (_gate)
            {
                _lines.Enqueue(line);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int sig);
}
