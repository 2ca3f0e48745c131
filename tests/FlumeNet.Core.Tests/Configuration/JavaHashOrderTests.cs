using FlumeNet.Configuration;

namespace FlumeNet.Core.Tests.Configuration;

public class JavaHashOrderTests
{
    [Fact]
    public void StringHashCodeMatchesJava()
    {
        Assert.Equal(0, JavaHashOrder.HashCode(string.Empty));
        Assert.Equal(3366, JavaHashOrder.HashCode("k1"));
        Assert.Equal(99162322, JavaHashOrder.HashCode("hello"));
        Assert.Equal(2112, JavaHashOrder.HashCode("Aa"));
        Assert.Equal(2112, JavaHashOrder.HashCode("BB"));
        Assert.True(JavaHashOrder.HashCode("a fairly long key that overflows") != 0);
    }

    [Fact]
    public void K1PrecedesK2()
    {
        Assert.Equal(6, JavaHashOrder.Spread("k1") & 15);
        Assert.Equal(7, JavaHashOrder.Spread("k2") & 15);
        Assert.Equal(new[] { "k1", "k2" }, JavaHashOrder.Order(["k2", "k1"]));
    }

    [Fact]
    public void LoggerHeaderExample()
    {
        Assert.Equal(new[] { "a", "host", "type", "timestamp" }, JavaHashOrder.Order(["timestamp", "host", "a", "type"]));
    }

    [Fact]
    public void NineKeyExample()
    {
        var order = JavaHashOrder.Order(["k1", "k2", "key", "b", "a", "B", "A", "header10", "header2"]);
        Assert.Equal(new[] { "a", "A", "b", "B", "header2", "k1", "k2", "header10", "key" }, order);
    }

    [Fact]
    public void CollidingKeysKeepInsertionOrderWithinABucket()
    {
        Assert.Equal(new[] { "BB", "Aa" }, JavaHashOrder.Order(["BB", "Aa"]));
        Assert.Equal(new[] { "Aa", "BB" }, JavaHashOrder.Order(["Aa", "BB"]));
    }

    [Theory]
    [InlineData(12, 16)]
    [InlineData(13, 32)]
    [InlineData(24, 32)]
    [InlineData(25, 64)]
    public void GrownCapacity(int n, int cap) => Assert.Equal(cap, JavaHashOrder.GrownCapacity(n));

    [Theory]
    [InlineData(0, 16)]
    [InlineData(11, 16)]
    [InlineData(12, 32)]
    public void CopiedCapacity(int n, int cap) => Assert.Equal(cap, JavaHashOrder.CopiedCapacity(n));
}
