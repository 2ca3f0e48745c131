namespace FlumeNet.Configuration;

/// <summary>
/// The properties grammar rejected the input. Java's Properties.load only fails for a malformed
/// <c>\uXXXX</c> escape (<c>IllegalArgumentException: Malformed \uxxxx encoding.</c>); Flume then aborts
/// start-up. The message names the file and line.
/// </summary>
public sealed class PropertiesFormatException : FormatException
{
    public PropertiesFormatException(string file, int line, string reason)
        : base($"{file}:{line}: {reason}")
    {
        File = file;
        Line = line;
        Reason = reason;
    }

    public string File { get; }

    public int Line { get; }

    public string Reason { get; }
}
