using System.Diagnostics;

namespace FlumeNet.IntegrationTests.Harness;

public sealed partial class FlumeProcess
{
    /// <summary>True when the tests run as root: file permissions do not stop root, so such tests run the agent as <c>nobody</c>.</summary>
    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>
    /// Starts <c>flume-ng</c> as the unprivileged user <c>nobody</c> when the tests run as root (through <c>setpriv</c>,
    /// which execs in place: the pid is the agent's), else as the current user. The binary's folders must be readable.
    /// </summary>
    public static FlumeProcess StartUnprivileged(IEnumerable<string> args, string description)
    {
        if (!IsRoot)
        {
            return Start(args, description);
        }

        var psi = new ProcessStartInfo("setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])["--reuid=nobody", "--regid=nogroup", "--clear-groups", FlumeBinary.Path, .. args])
        {
            psi.ArgumentList.Add(a);
        }

        var p = Process.Start(psi) ?? throw new InvalidOperationException("setpriv did not start");
        return new FlumeProcess(p, description + " (as nobody)");
    }
}
