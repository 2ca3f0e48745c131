namespace FlumeNet.Configuration;

/// <summary>
/// One key/value pair of a properties file, exactly as java.util.Properties.load produced it and then
/// trimmed (Java <c>String.trim()</c>). Keys are case-sensitive. <see cref="Line"/> is the 1-based number of
/// the natural line on which the logical line starts.
/// </summary>
public sealed record PropertyEntry(string Key, string Value, string File, int Line)
{
    /// <summary>Where the entry came from, for messages: <c>file:line</c>.</summary>
    public string Location => $"{File}:{Line}";
}
