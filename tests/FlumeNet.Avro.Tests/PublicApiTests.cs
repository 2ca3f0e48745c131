using FlumeNet.Avro;

namespace FlumeNet.Avro.Tests;

public sealed class PublicApiTests
{
    /// <summary>Snapshot of the public surface: a change here is a deliberate API change, seen in review.</summary>
    [Fact]
    public void PublicTypesAreTheIntendedOnes()
    {
        string[] types = typeof(AvroRpcClient).Assembly.GetExportedTypes().Select(t => t.FullName!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(
            [
                "FlumeNet.Avro.AvroCompression",
                "FlumeNet.Avro.AvroProtocolException",
                "FlumeNet.Avro.AvroRpcClient",
                "FlumeNet.Avro.AvroRpcClientOptions",
                "FlumeNet.Avro.AvroRpcException",
                "FlumeNet.Avro.AvroRpcServer",
                "FlumeNet.Avro.AvroRpcServerOptions",
                "FlumeNet.Avro.AvroStatus",
                "FlumeNet.Avro.AvroTls",
                "FlumeNet.Avro.FlumeEventFactory",
                "FlumeNet.Avro.IAvroSourceHandler",
                "FlumeNet.Avro.IFlumeEvent",
            ],
            types);
    }

    [Fact]
    public void DefaultsMatchFlume()
    {
        var c = new AvroRpcClientOptions { Host = "h", Port = 1 };
        Assert.Equal(TimeSpan.FromSeconds(20), c.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(20), c.RequestTimeout);
        Assert.Equal(6, c.CompressionLevel);
        Assert.Equal(AvroCompression.None, c.Compression);
        var s = new AvroRpcServerOptions();
        Assert.Equal(64 * 1024 * 1024, s.MaxMessageBytes);
        Assert.Equal(6, s.CompressionLevel);
    }
}
