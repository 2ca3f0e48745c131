using Microsoft.Extensions.Logging;

namespace FlumeNet.Processors;

/// <summary>Log lines of the sink processors (event ids 4100–4199).</summary>
internal static partial class ProcessorLog
{
    // Flume: WARN "Sink k1 failed and has been sent to failover list" + stack trace. A peer that is
    // simply down is not a bug, so FlumeNet appends the exception message(s) instead of the stack.
    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Sink {Sink} failed and has been sent to failover list: {Reason}")]
    public static partial void SinkFailedOver(ILogger logger, string sink, string reason);

    // Flume logs this at DEBUG; users want to see failback, so FlumeNet logs it at INFO.
    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Sink {Sink} was recovered from the fail list")]
    public static partial void SinkRecovered(ILogger logger, string sink);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Debug, Message = "Sink {Sink} retry failed ({Failures} consecutive failures), next retry in {PenaltyMs} ms: {Reason}")]
    public static partial void RetryFailed(ILogger logger, string sink, int failures, long penaltyMs, string reason);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Debug, Message = "Sink {Sink} probe failed ({Failures} consecutive failures), next retry in {PenaltyMs} ms: {Reason}")]
    public static partial void ProbeFailed(ILogger logger, string sink, int failures, long penaltyMs, string reason);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Debug, Message = "Sink {Sink} is due for a retry; probing it in the background")]
    public static partial void ProbeStarted(ILogger logger, string sink);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Debug, Message = "Sink {Sink} probe succeeded; retrying it with real traffic")]
    public static partial void ProbeSucceeded(ILogger logger, string sink);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Debug, Message = "Sink {Sink} retried with nothing to send; it stays on the fail list and is retried first next call")]
    public static partial void RetryBackoff(ILogger logger, string sink);

    // Flume: WARN "Sink failed to consume event. Attempting next sink if available." + stack trace.
    [LoggerMessage(EventId = 4111, Level = LogLevel.Warning, Message = "Sink failed to consume event. Attempting next sink if available. Sink {Sink}: {Reason}")]
    public static partial void LoadBalanceSinkFailed(ILogger logger, string sink, string reason);

    /// <summary>The messages of an exception and its causes, without stack traces.</summary>
    public static string Describe(Exception ex)
    {
        var parts = new List<string>();
        for (Exception? e = ex; e is not null && parts.Count < 5; e = e.InnerException)
        {
            var m = string.IsNullOrWhiteSpace(e.Message) ? e.GetType().Name : e.Message;
            if (parts.Count == 0 || !parts[^1].Contains(m, StringComparison.Ordinal))
            {
                parts.Add(m);
            }
        }

        return string.Join(": ", parts);
    }
}
