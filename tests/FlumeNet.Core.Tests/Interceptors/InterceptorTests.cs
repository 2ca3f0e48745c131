using System.Net;
using FlumeNet.Configuration;
using FlumeNet.Core.Tests.Support;
using FlumeNet.Interceptors;
using Microsoft.Extensions.Time.Testing;
using static FlumeNet.Core.Tests.Support.TestChannels;

namespace FlumeNet.Core.Tests.Interceptors;

public sealed class InterceptorTests
{
    private static ComponentContext ICtx(params (string Key, string Value)[] props) => Ctx.Named("i1", "a1.sources.r1.interceptors.i1.", props);

    [Fact]
    public void Timestamp_sets_epoch_milliseconds_at_interception()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123));
        var i = new TimestampInterceptor(ICtx(), time);
        var e = i.Intercept(Ev("x"))!;
        Assert.Equal("1700000000123", e.Headers["timestamp"]);

        time.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Equal("1700000000128", i.Intercept(e)!.Headers["timestamp"]); // overwritten by default
    }

    [Fact]
    public void Timestamp_custom_header_and_preserve_existing()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(42));
        var i = new TimestampInterceptor(ICtx(("headerName", "ts"), ("preserveExisting", "true")), time);
        Assert.Equal("42", i.Intercept(Ev("x"))!.Headers["ts"]);
        Assert.Equal("old", i.Intercept(Ev("x", ("ts", "old")))!.Headers["ts"]);
    }

    [Fact]
    public void Static_defaults_to_key_value_and_preserves_existing()
    {
        var i = new StaticInterceptor(ICtx());
        Assert.Equal("value", i.Intercept(Ev("x"))!.Headers["key"]);
        Assert.Equal("mine", i.Intercept(Ev("x", ("key", "mine")))!.Headers["key"]);
    }

    [Fact]
    public void Static_custom_key_value_overwrites_when_not_preserving()
    {
        var i = new StaticInterceptor(ICtx(("key", "dc"), ("value", "eu-1"), ("preserveExisting", "false")));
        var e = i.Intercept(Ev("x", ("dc", "us")))!;
        Assert.Equal("eu-1", e.Headers["dc"]);
        Assert.Equal("x", Text(e));
    }

    [Fact]
    public void Host_sets_an_ip_address_or_warns_when_lookup_fails()
    {
        var ctx = ICtx();
        var i = new HostInterceptor(ctx);
        var e = i.Intercept(Ev("x"))!;
        if (ctx.Problems.Count == 0)
        {
            Assert.True(IPAddress.TryParse(e.Headers["host"], out _), e.Headers["host"]);
        }
        else
        {
            Assert.Equal(ProblemSeverity.Warning, Assert.Single(ctx.Problems).Severity);
            Assert.False(e.Headers.ContainsKey("host"));
        }
    }

    [Fact]
    public void Host_custom_header_preserve_existing_and_host_name()
    {
        var preserving = new HostInterceptor(ICtx(("hostHeader", "origin"), ("preserveExisting", "true")));
        Assert.Equal("kept", preserving.Intercept(Ev("x", ("origin", "kept")))!.Headers["origin"]);

        var ctx = ICtx(("useIP", "false"));
        var byName = new HostInterceptor(ctx);
        var e = byName.Intercept(Ev("x"))!;
        if (ctx.Problems.Count == 0)
        {
            Assert.False(string.IsNullOrEmpty(e.Headers["host"]));
        }
    }
}
