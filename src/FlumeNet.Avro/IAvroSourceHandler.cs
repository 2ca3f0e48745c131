namespace FlumeNet.Avro;

/// <summary>
/// What an <see cref="AvroRpcServer"/> does with decoded calls (the avro source's channel processor).
/// Threading: calls of one connection arrive one after another, in order; calls of different
/// connections may run concurrently, so implementations must be thread-safe.
/// Return <see cref="AvroStatus.Ok"/> only after the events are committed; a thrown exception
/// becomes an Avro error response and is logged once by the server.
/// </summary>
public interface IAvroSourceHandler
{
    /// <summary>Handles <c>append(AvroFlumeEvent)</c>.</summary>
    ValueTask<AvroStatus> AppendAsync(IFlumeEvent e, CancellationToken ct);

    /// <summary>Handles <c>appendBatch(array&lt;AvroFlumeEvent&gt;)</c>; never called with a partial batch.</summary>
    ValueTask<AvroStatus> AppendBatchAsync(IReadOnlyList<IFlumeEvent> events, CancellationToken ct);
}
