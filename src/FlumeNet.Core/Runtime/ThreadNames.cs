namespace FlumeNet.Runtime;

/// <summary>
/// The "thread" name a console line shows (Flume's <c>%t</c>). Async code hops between pool threads,
/// so the name flows with the logical call instead of living on the thread.
/// </summary>
public static class ThreadNames
{
    private static readonly AsyncLocal<string?> Name = new();

    public static string? Current
    {
        get => Name.Value;
        set => Name.Value = value;
    }
}
