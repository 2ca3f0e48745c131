using System.Diagnostics;

namespace FlumeNet.IntegrationTests.Harness;

/// <summary>Waiting on conditions with a deadline (never a bare sleep).</summary>
public static class Retry
{
    public static void Until(Func<bool> condition, TimeSpan timeout, Func<string> failure)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException($"after {timeout.TotalSeconds:0.#} s: {failure()}");
            }

            Thread.Sleep(20);
        }
    }

    public static void Until(Func<bool> condition, TimeSpan timeout, string failure) => Until(condition, timeout, () => failure);
}
