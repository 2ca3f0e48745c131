using FlumeNet.Configuration;
using FlumeNet.Core.Tests.Support;
using FlumeNet.Interceptors;
using FlumeNet.Runtime;
using Microsoft.Extensions.Logging;
using static FlumeNet.Core.Tests.Support.TestChannels;

namespace FlumeNet.Core.Tests.Interceptors;

/// <summary>regex_filter, regex_extractor, remove_header, search_replace and UUID, with the user guide's examples.</summary>
public sealed class StandardInterceptorTests
{
    private const string Millis = "org.apache.flume.interceptor.RegexExtractorInterceptorMillisSerializer";

    private static ComponentContext ICtx(params (string Key, string Value)[] props) => Ctx.Named("i1", "a1.sources.r1.interceptors.i1.", props);

    private static string Error(ComponentContext ctx) => Assert.Single(ctx.Problems, p => p.Severity == ProblemSeverity.Error).ToString();

    [Fact]
    public void Regex_filter_keeps_events_containing_a_match_and_logs_its_settings()
    {
        var log = new LogCapture();
        var i = new RegexFilteringInterceptor(ICtx(("regex", "ERROR|WARN")), log);
        Assert.NotNull(i.Intercept(Ev("2024 WARN disk")));
        Assert.Null(i.Intercept(Ev("2024 INFO ok")));
        Assert.Equal(1, log.Count(LogLevel.Information, "Creating RegexFilteringInterceptor: regex=ERROR|WARN,excludeEvents=false"));
    }

    [Fact]
    public void Regex_filter_excludeEvents_drops_matches_and_default_regex_keeps_everything()
    {
        var exclude = new RegexFilteringInterceptor(ICtx(("regex", ".*TTL.*"), ("excludeEvents", "true")), new LogCapture());
        Assert.Null(exclude.Intercept(Ev("x TTL y")));
        Assert.NotNull(exclude.Intercept(Ev("ok")));

        var all = new RegexFilteringInterceptor(ICtx(), new LogCapture());
        Assert.NotNull(all.Intercept(Ev(string.Empty)));
    }

    [Fact]
    public void Regex_that_does_not_compile_is_an_error_naming_the_key()
    {
        var ctx = ICtx(("regex", "(unclosed"));
        _ = new RegexFilteringInterceptor(ctx, new LogCapture());
        Assert.Contains("a1.sources.r1.interceptors.i1.regex", Error(ctx), StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_regex_drops_its_source_naming_the_key_and_nothing_else()
    {
        var props = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["type"] = "seq", ["channels"] = "c1", ["batchSize"] = "10", ["interceptors"] = "i1",
            ["interceptors.i1.type"] = "regex_filter", ["interceptors.i1.regex"] = "(5",
        };
        var channel = new ComponentConfig("c1", "memory", new Dictionary<string, string> { ["type"] = "memory" }, "a1.channels.c1.");
        var source = new SourceConfig(new ComponentConfig("r1", "seq", props, "a1.sources.r1."), ["c1"]);
        var sink = new SinkConfig(new ComponentConfig("k1", "null", new Dictionary<string, string> { ["type"] = "null", ["channel"] = "c1" }, "a1.sinks.k1."), "c1");
        var built = new AgentBuilder(ComponentRegistry.Default, BuildServices.Create(new LogCapture())).Build(new AgentConfiguration("a1", [channel], [source], [sink], []), null);

        Assert.Equal(
            ["a1.sources.r1.interceptors.i1.regex", "a1.sources.r1.type"],
            built.Problems.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Contains(built.Problems, p => p.Message == "Source r1 has been removed due to an error during configuration");
    }

    [Fact]
    public void Regex_extractor_user_guide_example_1()
    {
        var i = new RegexExtractorInterceptor(
            ICtx(("regex", @"(\d):(\d):(\d)"), ("serializers", "s1 s2 s3"), ("serializers.s1.name", "one"), ("serializers.s2.name", "two"), ("serializers.s3.name", "three")),
            new LogCapture());
        var e = i.Intercept(Ev("1:2:3.4foobar5"))!;
        Assert.Equal("1:2:3.4foobar5", Text(e));
        Assert.Equal(new Dictionary<string, string> { ["one"] = "1", ["two"] = "2", ["three"] = "3" }, e.Headers);
    }

    [Fact]
    public void Regex_extractor_user_guide_example_2_millis_serializer()
    {
        // The guide's 1350611220000 is 2012-10-18 18:47 in US Pacific time (the serializer reads the local zone).
        var pacific = TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");
        var i = new RegexExtractorInterceptor(
            ICtx(("regex", @"^(?:\n)?(\d\d\d\d-\d\d-\d\d\s\d\d:\d\d)"), ("serializers", "s1"), ("serializers.s1.type", Millis), ("serializers.s1.name", "timestamp"), ("serializers.s1.pattern", "yyyy-MM-dd HH:mm")),
            new LogCapture(),
            pacific);
        var e = i.Intercept(Ev("2012-10-18 18:47:57,614 some log line"))!;
        Assert.Equal("1350611220000", e.Headers["timestamp"]);
        Assert.Equal("2012-10-18 18:47:57,614 some log line", Text(e));
    }

    [Fact]
    public void Regex_extractor_surplus_groups_ignored_no_match_unchanged_bad_date_logged_once()
    {
        var log = new LogCapture();
        var i = new RegexExtractorInterceptor(
            ICtx(("regex", @"(\w+)=(\w+)"), ("serializers", "a"), ("serializers.a.name", "key")),
            log);
        Assert.Equal(new Dictionary<string, string> { ["key"] = "x" }, i.Intercept(Ev("x=1 y=2"))!.Headers);
        Assert.Empty(i.Intercept(Ev("nothing here"))!.Headers);

        var dates = new RegexExtractorInterceptor(
            ICtx(("regex", @"\[(.*?)\]"), ("serializers", "s1"), ("serializers.s1.type", Millis), ("serializers.s1.name", "timestamp"), ("serializers.s1.pattern", "yyyy-MM-dd HH:mm:ss")),
            log,
            TimeZoneInfo.Utc);
        Assert.Equal("1498554480000", dates.Intercept(Ev("0.123 [2017-06-27 09:08:00] GET /"))!.Headers["timestamp"]);
        Assert.Empty(dates.Intercept(Ev("[not a date]"))!.Headers);
        Assert.Empty(dates.Intercept(Ev("[still not]"))!.Headers);
        Assert.Equal(1, log.Count(LogLevel.Warning, "'not a date' does not match the date pattern of header timestamp"));
    }

    [Theory]
    [InlineData("d/M/yyyy H:m", "7/3/2024 9:5", "2024-03-07T09:05:00")]
    [InlineData("yyyy-MM-dd'T'HH:mm:ss,SSS", "2024-03-07T09:05:01,250", "2024-03-07T09:05:01.250")]
    [InlineData("dd MMM yyyy HH:mm:ss", "07 Mar 2024 09:05:00", "2024-03-07T09:05:00")]
    public void Millis_serializer_reads_joda_patterns(string pattern, string text, string utc)
    {
        var i = new RegexExtractorInterceptor(
            ICtx(("regex", "^(.*)$"), ("serializers", "s1"), ("serializers.s1.type", Millis), ("serializers.s1.name", "ts"), ("serializers.s1.pattern", pattern)),
            new LogCapture(),
            TimeZoneInfo.Utc);
        var expected = new DateTimeOffset(DateTime.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Zero).ToUnixTimeMilliseconds();
        Assert.Equal(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), i.Intercept(Ev(text))!.Headers["ts"]);
    }

    [Fact]
    public void Regex_extractor_requires_regex_serializers_names_and_known_types()
    {
        var ctx = ICtx(("serializers", "s1 s2"), ("serializers.s2.name", "n"), ("serializers.s2.type", "com.example.Nope"));
        _ = new RegexExtractorInterceptor(ctx, new LogCapture());
        var keys = ctx.Problems.Where(p => p.Severity == ProblemSeverity.Error).Select(p => p.ToString()).ToList();
        Assert.Contains(keys, k => k.Contains("interceptors.i1.regex", StringComparison.Ordinal));
        Assert.Contains(keys, k => k.Contains("interceptors.i1.serializers.s1.name", StringComparison.Ordinal));
        Assert.Contains(keys, k => k.Contains("interceptors.i1.serializers.s2.type", StringComparison.Ordinal));

        var noList = ICtx(("regex", "x"));
        _ = new RegexExtractorInterceptor(noList, new LogCapture());
        Assert.Contains("interceptors.i1.serializers", Error(noList), StringComparison.Ordinal);
    }

    [Fact]
    public void Remove_header_by_name_list_and_whole_name_match()
    {
        var i = new RemoveHeaderInterceptor(ICtx(("withName", "secret"), ("fromList", "a, b ,c"), ("matching", "tmp.*")));
        var e = i.Intercept(Ev("body", ("secret", "1"), ("a", "1"), ("b", "1"), ("c", "1"), ("tmpX", "1"), ("xtmp", "1"), ("keep", "1")))!;
        Assert.Equal(["keep", "xtmp"], e.Headers.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("body", Text(e));
    }

    [Fact]
    public void Remove_header_custom_list_separator_and_no_keys_removes_nothing()
    {
        var i = new RemoveHeaderInterceptor(ICtx(("fromList", "a:b"), ("fromListSeparator", ":")));
        Assert.Equal(["c"], i.Intercept(Ev("x", ("a", "1"), ("b", "2"), ("c", "3")))!.Headers.Keys);

        var none = new RemoveHeaderInterceptor(ICtx());
        Assert.Equal(2, none.Intercept(Ev("x", ("a", "1"), ("b", "2")))!.Headers.Count);
    }

    [Fact]
    public void Search_replace_user_guide_examples()
    {
        var firstWord = new SearchAndReplaceInterceptor(ICtx(("searchPattern", "^[A-Za-z0-9_]+"), ("replaceString", string.Empty)));
        Assert.Equal(" quick brown", Text(firstWord.Intercept(Ev("The quick brown"))!));

        var reorder = new SearchAndReplaceInterceptor(ICtx(
            ("searchPattern", "The quick brown ([a-z]+) jumped over the lazy ([a-z]+)"),
            ("replaceString", "The hungry $2 ate the careless $1")));
        var e = reorder.Intercept(Ev("The quick brown fox jumped over the lazy dog", ("h", "v")))!;
        Assert.Equal("The hungry dog ate the careless fox", Text(e));
        Assert.Equal("v", e.Headers["h"]);
    }

    [Fact]
    public void Search_replace_java_replacement_syntax_and_charset()
    {
        var json = new SearchAndReplaceInterceptor(ICtx(("searchPattern", "\"actionTime\":(\\d+)\\.(\\d+)"), ("replaceString", "\"actionTime\":$1$2")));
        Assert.Equal("{\"actionTime\":1498525680023,\"actionType\":\"pv\"}", Text(json.Intercept(Ev("{\"actionTime\":1498525680.023,\"actionType\":\"pv\"}"))!));

        var dollar = new SearchAndReplaceInterceptor(ICtx(("searchPattern", "(\\d+) EUR"), ("replaceString", "\\$$1")));
        Assert.Equal("$5 and $7", Text(dollar.Intercept(Ev("5 EUR and 7 EUR"))!));

        var latin1 = new SearchAndReplaceInterceptor(ICtx(("searchPattern", "é"), ("replaceString", "e"), ("charset", "ISO-8859-1")));
        Assert.Equal(new byte[] { (byte)'c', (byte)'a', (byte)'f', (byte)'e' }, latin1.Intercept(new Event([(byte)'c', (byte)'a', (byte)'f', 0xE9]))!.BodyArray);
    }

    [Fact]
    public void Search_replace_config_errors_name_the_key()
    {
        var missing = ICtx();
        _ = new SearchAndReplaceInterceptor(missing);
        Assert.Contains("interceptors.i1.searchPattern", Error(missing), StringComparison.Ordinal);

        var badRef = ICtx(("searchPattern", "(a)"), ("replaceString", "$2"));
        _ = new SearchAndReplaceInterceptor(badRef);
        Assert.Contains("interceptors.i1.replaceString", Error(badRef), StringComparison.Ordinal);

        var badCharset = ICtx(("searchPattern", "a"), ("charset", "NOPE-9"));
        _ = new SearchAndReplaceInterceptor(badCharset);
        Assert.Contains("interceptors.i1.charset", Error(badCharset), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("regex_filter", "org.apache.flume.interceptor.RegexFilteringInterceptor$Builder")]
    [InlineData("REGEX_EXTRACTOR", "org.apache.flume.interceptor.RegexExtractorInterceptor$Builder")]
    [InlineData("remove_header", "org.apache.flume.interceptor.RemoveHeaderInterceptor$Builder")]
    [InlineData("search_replace", "org.apache.flume.interceptor.SearchAndReplaceInterceptor$Builder")]
    [InlineData(null, "org.apache.flume.sink.solr.morphline.UUIDInterceptor$Builder")]
    public void Registered_by_alias_and_by_flume_class_name(string? alias, string className)
    {
        var byClass = ComponentRegistry.Default.Find(ComponentKind.Interceptor, className);
        Assert.NotNull(byClass);
        Assert.Equal(className, byClass.ClassName);
        if (alias is not null)
        {
            Assert.Equal(byClass, ComponentRegistry.Default.Find(ComponentKind.Interceptor, alias));
        }
    }

    [Fact]
    public void Uuid_sets_a_lower_case_v4_uuid_with_prefix_and_preserves_existing()
    {
        var i = new UuidInterceptor(ICtx());
        var id = i.Intercept(Ev("x"))!.Headers["id"];
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", id);
        Assert.NotEqual(id, i.Intercept(Ev("x"))!.Headers["id"]);
        Assert.Equal("mine", i.Intercept(Ev("x", ("id", "mine")))!.Headers["id"]);

        var custom = new UuidInterceptor(ICtx(("headerName", "eventId"), ("prefix", "host1-"), ("preserveExisting", "false")));
        var e = custom.Intercept(Ev("x", ("eventId", "old")))!;
        Assert.StartsWith("host1-", e.Headers["eventId"], StringComparison.Ordinal);
        Assert.Equal(6 + 36, e.Headers["eventId"].Length);
    }
}
