using Avro;
using FlumeNet.Avro;

namespace FlumeNet.Avro.Tests;

/// <summary>The server's own protocol reader against Apache.Avro's canonical forms, and the accept/reject rules built on it.</summary>
public sealed class ProtocolFormsTests
{
    private const string DoclessFlume = """
        {"protocol":"AvroSourceProtocol","namespace":"org.apache.flume.source.avro","types":[{"type":"enum","name":"Status","symbols":["OK","FAILED","UNKNOWN"]},
        {"type":"record","name":"AvroFlumeEvent","fields":[{"name":"headers","type":{"type":"map","values":"string"}},{"name":"body","type":"bytes","doc":"the body"}]}],
        "messages":{"append":{"request":[{"name":"event","type":"AvroFlumeEvent"}],"response":"Status"},
        "appendBatch":{"request":[{"name":"events","type":{"type":"array","items":"org.apache.flume.source.avro.AvroFlumeEvent"}}],"response":{"type":"Status"}}}}
        """;

    [Theory]
    [InlineData("append")]
    [InlineData("appendBatch")]
    public void FormsAgreeWithApacheAvro(string message)
    {
        ProtocolForms ours = ProtocolForms.Parse(AvroSourceProtocol.Text);
        Message m = Protocol.Parse(AvroSourceProtocol.Text).Messages[message];
        Assert.Equal(StripRecordName(SchemaNormalization.ToParsingForm(m.Request)), StripRecordName(ours.RequestForm(message)!));
        Assert.Equal(SchemaNormalization.ToParsingForm(m.Response), ours.ResponseForm(message));
    }

    [Fact]
    public void FlumesProtocolWithoutDocsAndWithFullNamesIsAccepted()
    {
        RemoteProtocol p = RemoteProtocols.Analyse(DoclessFlume);
        Assert.True(p.AppendReadable);
        Assert.True(p.AppendBatchReadable);
        Assert.Null(p.Problem);
    }

    [Fact]
    public void AChangedEventRecordIsRefused()
    {
        string changed = DoclessFlume.Replace("\"type\":\"bytes\"", "\"type\":\"string\"", StringComparison.Ordinal);
        RemoteProtocol p = RemoteProtocols.Analyse(changed);
        Assert.False(p.AppendReadable);
        Assert.False(p.AppendBatchReadable);
        Assert.Contains("no message compatible", p.Problem);
    }

    [Fact]
    public void OnlyTheCompatibleMessageIsReadable()
    {
        string changed = DoclessFlume.Replace("\"response\":\"Status\"}", "\"response\":\"int\"}", StringComparison.Ordinal);
        RemoteProtocol p = RemoteProtocols.Analyse(changed);
        Assert.False(p.AppendReadable);
        Assert.True(p.AppendBatchReadable);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"namespace\":\"x\"}")]
    [InlineData("{\"protocol\":\"P\",\"messages\":{\"append\":{\"request\":[{\"name\":\"e\",\"type\":\"Missing\"}],\"response\":\"int\"}}}")]
    [InlineData("{\"protocol\":\"P\",\"types\":[{\"type\":\"enum\",\"name\":\"E\"}],\"messages\":{\"m\":{\"request\":[{\"name\":\"e\",\"type\":\"E\"}]}}}")]
    public void UnreadableTextIsAProtocolError(string text)
    {
        var ex = Assert.Throws<AvroProtocolException>(() => RemoteProtocols.Analyse(text));
        Assert.StartsWith("client protocol text cannot be parsed", ex.Message);
    }

    [Fact]
    public void ARecursiveRecordIsWrittenOnceThenByName()
    {
        const string text = """
            {"protocol":"P","namespace":"n","types":[{"type":"record","name":"Node","fields":[{"name":"next","type":["null","Node"]}]}],
             "messages":{"m":{"request":[{"name":"a","type":"Node"},{"name":"b","type":"n.Node"}],"response":"null"}}}
            """;
        ProtocolForms p = ProtocolForms.Parse(text);
        Assert.Equal(
            "{\"name\":\"m\",\"type\":\"record\",\"fields\":[{\"name\":\"a\",\"type\":{\"name\":\"n.Node\",\"type\":\"record\",\"fields\":[{\"name\":\"next\",\"type\":[\"null\",\"n.Node\"]}]}},{\"name\":\"b\",\"type\":\"n.Node\"}]}",
            p.RequestForm("m"));
        Assert.Equal("\"null\"", p.ResponseForm("m"));
        Assert.Null(p.RequestForm("other"));
    }

    /// <summary>Apache.Avro names the request record after the message with or without the protocol namespace; only the fields matter.</summary>
    private static string StripRecordName(string form) => form[form.IndexOf(",\"type\"", StringComparison.Ordinal)..];
}
