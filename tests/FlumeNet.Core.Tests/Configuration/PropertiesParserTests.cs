using System.Text;
using FlumeNet.Configuration;

namespace FlumeNet.Core.Tests.Configuration;

public class PropertiesParserTests
{
    private static IReadOnlyList<PropertyEntry> ParseBytes(byte[] bytes) => PropertiesParser.Parse(bytes, "test.properties");

    private static IReadOnlyList<PropertyEntry> Parse(string latin1Text) => ParseBytes(Encoding.Latin1.GetBytes(latin1Text));

    private static string Single(string text, string key)
    {
        var e = Parse(text).Single(p => p.Key == key);
        return e.Value;
    }

    // §1.6 rows.
    [Theory]
    [InlineData("a1.k1 = value # not a comment\n", "a1.k1", "value # not a comment")]
    [InlineData("a1.k2:colon\n", "a1.k2", "colon")]
    [InlineData("a1.k4=\n", "a1.k4", "")]
    [InlineData("a1.k5\n", "a1.k5", "")]
    [InlineData("a1.k6 = first \\\n        second \\\n   third\n", "a1.k6", "first second third")]
    [InlineData("# comment with backslash \\\na1.k7 = after comment\n", "a1.k7", "after comment")]
    [InlineData("a1\\ key\\=x = v\\=1\\:2\n", "a1 key=x", "v=1:2")]
    [InlineData("a1.k12    =    = leading eq\n", "a1.k12", "= leading eq")]
    [InlineData("a1.k13 =: colon-after-eq\n", "a1.k13", ": colon-after-eq")]
    [InlineData("a1.k14 \\\n  = continued-key-sep\n", "a1.k14", "continued-key-sep")]
    public void VerifiedExamples(string text, string key, string value)
    {
        Assert.Equal(value, Single(text, key));
    }

    [Fact]
    public void TrailingWhitespaceIsKeptByTheGrammarButJavaTrimmedAfterwards()
    {
        // The grammar keeps "spaced value   " (§1.6); Flume then trims (§1.8).
        Assert.Equal("spaced value", Single("a1.k3 spaced value   \n", "a1.k3"));
    }

    [Fact]
    public void TrailingWhitespaceOfEscapedValueSurvivesOnlyIfNotTrimmable()
    {
        Assert.Equal("x\u00a0", Single("a1.k = x\\u00a0\n", "a1.k"));
        Assert.Equal("x", Single("a1.k = x\\t\n", "a1.k"));
    }

    [Fact]
    public void EscapesIncludingUnicodeAndUnknownLetters()
    {
        // The spec's table shows "é bz"; the input has no space between \u00e9 and \b, so Java yields "ébz".
        Assert.Equal("tab\there\nnl ébz\\", Single("a1.k8 = tab\\there\\nnl \\u00e9\\b\\z\\\\\n", "a1.k8"));
    }

    [Fact]
    public void UnicodeEscapeIsCaseInsensitiveHexAndSurrogatesNeedTwo()
    {
        Assert.Equal("\u00E9\u00e9", Single("k = \\u00E9\\u00e9", "k"));
        Assert.Equal("\U0001F600", Single("k = \\uD83D\\uDE00", "k"));
    }

    [Fact]
    public void ContinuationFollowedByEmptyLineEndsTheLogicalLine()
    {
        var entries = Parse("a1.k10 = cont \\\n\na1.k11 = next\n");
        Assert.Equal("cont", entries.Single(e => e.Key == "a1.k10").Value); // "cont " trimmed
        Assert.Equal("next", entries.Single(e => e.Key == "a1.k11").Value);
    }

    [Fact]
    public void ContinuationLineStartingWithHashIsData()
    {
        Assert.Equal("a#b", Single("k = a\\\n  #b\n", "k"));
    }

    [Fact]
    public void EvenBackslashesDoNotContinue()
    {
        var entries = Parse("k = a\\\\\nnext = b\n");
        Assert.Equal("a\\", entries.Single(e => e.Key == "k").Value);
        Assert.Equal("b", entries.Single(e => e.Key == "next").Value);
    }

    [Fact]
    public void OddBackslashesContinue()
    {
        Assert.Equal("a\\b", Single("k = a\\\\\\\nb\n", "k"));
    }

    [Fact]
    public void Utf8BytesAreReadAsLatin1()
    {
        var bytes = Encoding.ASCII.GetBytes("a1.utf8 = caf").Concat(new byte[] { 0xC3, 0xA9, (byte)'\n' }).ToArray();
        Assert.Equal("caf\u00C3\u00A9", ParseBytes(bytes).Single().Value);
    }

    [Fact]
    public void AllLineTerminators()
    {
        var entries = ParseBytes(Encoding.ASCII.GetBytes("a1.crlf = x\r\na1.cr = y\ra1.after = z\n"));
        Assert.Equal(new[] { "a1.crlf", "a1.cr", "a1.after" }, entries.Select(e => e.Key));
        Assert.Equal(new[] { "x", "y", "z" }, entries.Select(e => e.Value));
        Assert.Equal(new[] { 1, 2, 3 }, entries.Select(e => e.Line));
    }

    [Fact]
    public void CrLfContinuation()
    {
        Assert.Equal("ab", Single("k = a\\\r\n   b\r\n", "k"));
        Assert.Equal("ab", Single("k = a\\\r   b\r", "k"));
    }

    [Fact]
    public void CommentsWithBangAndLeadingWhitespace()
    {
        var entries = Parse("! bang comment\n   # indented comment\n\t\fk = v\n");
        Assert.Equal("k", entries.Single().Key);
    }

    [Fact]
    public void CommentEndingInBackslashBeforeIndentedLine()
    {
        var entries = Parse("# c \\\n   k = v\n");
        Assert.Equal(("k", "v"), (entries.Single().Key, entries.Single().Value));
    }

    [Fact]
    public void OnlyFlumeWhitespaceSeparatesKeys()
    {
        // NBSP (0xA0) is not whitespace for the grammar: it is part of the key.
        var entries = ParseBytes(new byte[] { (byte)'a', 0xA0, (byte)'b', (byte)'=', (byte)'1' });
        Assert.Equal("a\u00a0b", entries.Single().Key);
    }

    [Fact]
    public void BlankLinesAndWhitespaceOnlyLinesAreSkipped()
    {
        var entries = Parse("\n \t \n\r\n\f\nk=v");
        Assert.Equal(5, entries.Single().Line);
    }

    [Fact]
    public void LineNumbersCountNaturalLinesIncludingContinuations()
    {
        var entries = Parse("# c\nk1 = a \\\n b\n\nk2 = c\r\nk3 = d");
        Assert.Equal(new[] { 2, 5, 6 }, entries.Select(e => e.Line));
    }

    [Fact]
    public void BackslashAtEndOfFileIsDropped()
    {
        Assert.Equal("abc", Single("k = abc\\", "k"));
    }

    [Fact]
    public void BackslashAtEndOfFileAfterContinuation()
    {
        Assert.Equal("ab", Single("k = a\\\nb\\", "k"));
    }

    [Fact]
    public void LastDuplicateWinsAndKeepsFirstPosition()
    {
        var entries = Parse("a = 1\nb = 2\na = 3\n");
        Assert.Equal(new[] { "a", "b" }, entries.Select(e => e.Key));
        Assert.Equal("3", entries[0].Value);
        Assert.Equal(3, entries[0].Line);
    }

    [Fact]
    public void KeysAreCaseSensitive()
    {
        var entries = Parse("a.transactionCapacity = 1\na.transactioncapacity = 2\n");
        Assert.Equal(2, entries.Count);
    }

    [Fact]
    public void KeysAndValuesAreJavaTrimmed()
    {
        var entries = Parse("\\u0001key\\u0000 = \\u0007v\\u001f\n");
        Assert.Equal(("key", "v"), (entries.Single().Key, entries.Single().Value));
    }

    [Theory]
    [InlineData("k = \\u12\n")]
    [InlineData("k = \\u12G4\n")]
    [InlineData("k\\u1 = x\n")]
    public void MalformedUnicodeEscapeThrowsWithFileAndLine(string text)
    {
        var ex = Assert.Throws<PropertiesFormatException>(() => Parse("# first\n" + text));
        Assert.Equal(2, ex.Line);
        Assert.Equal("test.properties", ex.File);
        Assert.Contains("Malformed \\uxxxx encoding.", ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("test.properties:2:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyEndingAtWhitespaceThenValueWithoutSeparator()
    {
        Assert.Equal("b c", Single("a\tb c", "a"));
        Assert.Equal("b", Single("a\f:b", "a"));
    }

    [Fact]
    public void EmptyFileAndCommentOnlyFileYieldNothing()
    {
        Assert.Empty(Parse(string.Empty));
        Assert.Empty(Parse("# a\n! b\n   \n"));
    }

    [Fact]
    public void ParseFileReadsBytes()
    {
        var path = Path.Combine(Path.GetTempPath(), $"flumenet-{Guid.NewGuid():N}.properties");
        File.WriteAllBytes(path, new byte[] { (byte)'k', (byte)'=', 0xC3, 0xA9, (byte)'\r', (byte)'\n' });
        try
        {
            var e = PropertiesParser.ParseFile(path).Single();
            Assert.Equal("\u00C3\u00A9", e.Value);
            Assert.Equal(path, e.File);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
