namespace FlumeNet.IntegrationTests.Harness;

public sealed partial class FlumeProcess
{
    /// <summary>How many console lines were captured so far (cheap: no scan).</summary>
    public int LineCount => _lines.Count;

    /// <summary>Lines that look like a .NET or Java stack frame (<c>   at …</c>).</summary>
    public IReadOnlyList<string> StackFrameLines() =>
        _lines.Where(l => l.Length > 0 && char.IsWhiteSpace(l[0]) && l.TrimStart().StartsWith("at ", StringComparison.Ordinal)).ToList();
}
