using System.Diagnostics;

namespace FlumeNet.IntegrationTests.Harness;

/// <summary>
/// The published <c>flume-ng</c> executable the tests run. <c>FLUMENET_BIN</c> names an existing one (what
/// .ci/run does); otherwise the agent is published once per test run into the repository's artifacts folder.
/// </summary>
public static class FlumeBinary
{
    private static readonly Lazy<string> Path_ = new(Locate, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Path => Path_.Value;

    public static string RepoRoot
    {
        get
        {
            var dir = AppContext.BaseDirectory;
            while (dir is not null && !File.Exists(System.IO.Path.Combine(dir, "FlumeNet.sln")))
            {
                dir = System.IO.Path.GetDirectoryName(dir);
            }

            return dir ?? throw new InvalidOperationException("FlumeNet.sln not found above " + AppContext.BaseDirectory);
        }
    }

    private static string Locate()
    {
        var env = Environment.GetEnvironmentVariable("FLUMENET_BIN");
        if (!string.IsNullOrEmpty(env))
        {
            if (!File.Exists(env))
            {
                throw new FileNotFoundException("FLUMENET_BIN does not name a file", env);
            }

            return env;
        }

        var outDir = System.IO.Path.Combine(RepoRoot, "artifacts", "test-bin");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "publish", System.IO.Path.Combine(RepoRoot, "src", "FlumeNet.Agent"), "-c", "Release", "-o", outDir, "--nologo", "-v", "q" })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        // A native (AOT) publish compiles and links the whole program: minutes on a busy 2-core machine.
        if (!p.WaitForExit(TimeSpan.FromMinutes(12)))
        {
            p.Kill(true);
            throw new TimeoutException("dotnet publish took more than 12 minutes");
        }

        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish failed ({p.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
        }

        return System.IO.Path.Combine(outDir, "flume-ng");
    }
}
