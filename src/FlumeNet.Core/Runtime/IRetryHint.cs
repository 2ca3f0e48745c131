namespace FlumeNet.Runtime;

/// <summary>
/// A processor that knows when its next parked sink becomes due, so a runner that is backing off after a
/// failure can wake in time for it instead of sleeping a fixed 5 s.
/// </summary>
public interface IRetryHint
{
    /// <summary>Time until the next retry is due; null when none is parked.</summary>
    TimeSpan? TimeUntilNextRetry { get; }
}
