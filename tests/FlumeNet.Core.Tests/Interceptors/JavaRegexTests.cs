using System.Text.RegularExpressions;
using FlumeNet.Interceptors;

namespace FlumeNet.Core.Tests.Interceptors;

/// <summary>Java regex text that .NET reads differently gives Java's answers after translation.</summary>
public sealed class JavaRegexTests
{
    private static Regex R(string java) => new(JavaRegex.Translate(java));

    [Theory]
    [InlineData(@"a++b", "aaab", true)]
    [InlineData(@"a++a", "aaaa", false)] // possessive: gives nothing back
    [InlineData(@"(ab)*+ab", "ababab", false)]
    [InlineData(@"x{1,3}+x", "xxx", false)]
    [InlineData(@"x{1,3}?x", "xx", true)]
    [InlineData(@"\Qa.b*c\E", "a.b*c", true)]
    [InlineData(@"\Qa.b*c\E", "aXbbc", false)]
    [InlineData(@"^\d+$", "١٢٣", false)] // Java \d is ASCII only
    [InlineData(@"^\w+$", "café", false)]
    [InlineData(@"^\s$", "\u00A0", false)]
    [InlineData(@"^[\w.]+$", "a_b.c", true)]
    [InlineData(@"^a.b$", "a\rb", false)] // Java's . excludes \r
    [InlineData(@"(?s)^a.b$", "a\rb", true)]
    [InlineData(@"^\p{Lower}+$", "abc", true)]
    [InlineData(@"^\p{Alpha}+$", "abé", false)]
    [InlineData(@"^\p{javaLowerCase}+$", "abé", true)]
    [InlineData(@"^\p{IsAlphabetic}+$", "abé", true)]
    [InlineData(@"^\P{Digit}+$", "ab", true)]
    [InlineData(@"^[\p{Upper}\d]+$", "A1", true)]
    [InlineData(@"^\p{IsLu}$", "A", true)]
    [InlineData(@"^\h$", "\t", true)]
    [InlineData(@"^\p{InGreek}+$", "αβ", true)]
    [InlineData(@"^\p{InBasicLatin}+$", "αβ", false)]
    [InlineData(@"^a\Rb$", "a\r\nb", true)]
    [InlineData(@"^\x{41}$", "A", true)]
    [InlineData(@"^[a-z&&[^aeiou]]+$", "bcd", true)]
    [InlineData(@"^[a-z&&[^aeiou]]+$", "bad", false)]
    [InlineData(@"^[a-c[x-z]]+$", "axz", true)]
    [InlineData(@"(?iu)^ABC$", "abc", true)]
    [InlineData(@"(?d)x", "x", true)]
    [InlineData(@"^abc\Z", "abc\r\n", true)]
    [InlineData(@"^(?<x>a)(b)\k<x>\2$", "abab", true)]
    public void Matches_as_java_does(string java, string input, bool expected)
    {
        Assert.Equal(expected, R(java).IsMatch(input));
    }

    [Theory]
    [InlineData("$1-$2", "a-b")]
    [InlineData("\\$1", "$1")]
    [InlineData("${first}", "a")]
    [InlineData("$10", "a0")] // no group 10: group 1 then "0", as Java
    [InlineData("a\\\\b", "a\\b")]
    public void Replacement_strings_follow_java(string java, string expected)
    {
        var regex = new Regex(JavaRegex.Translate("(?<first>a)(b)", out var names));
        Assert.Equal(expected, regex.Replace("ab", JavaRegex.TranslateReplacement(java, regex, names)));
    }

    [Theory]
    [InlineData("$")]
    [InlineData("$x")]
    [InlineData("$3")]
    [InlineData("${nope}")]
    [InlineData("tail\\")]
    public void Replacement_strings_java_rejects_are_rejected(string java)
    {
        var regex = new Regex("(a)(b)");
        Assert.Throws<ArgumentException>(() => JavaRegex.TranslateReplacement(java, regex));
    }

    [Theory]
    [InlineData("[a-z&&[b-c]]")]
    [InlineData("(")]
    [InlineData("[abc")]
    public void Unsupported_or_invalid_patterns_throw(string java)
    {
        Assert.ThrowsAny<ArgumentException>(() => R(java));
    }
}
