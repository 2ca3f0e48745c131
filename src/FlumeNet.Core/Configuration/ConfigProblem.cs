namespace FlumeNet.Configuration;

public enum ProblemSeverity
{
    /// <summary>Reported; the component keeps running (a default is used or a key ignored).</summary>
    Warning,

    /// <summary>The component (or group) named by the key is dropped; the rest of the agent runs.</summary>
    Error,

    /// <summary>The agent cannot start at all (process exits non-zero).</summary>
    Fatal,
}

/// <summary>One configuration problem: the full key it concerns and a one-line message.</summary>
public sealed record ConfigProblem(ProblemSeverity Severity, string Key, string Message)
{
    public override string ToString() => $"{Key}: {Message}";
}
