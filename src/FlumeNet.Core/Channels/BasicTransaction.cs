namespace FlumeNet.Channels;

/// <summary>
/// The transaction state machine every channel shares: NEW → OPEN → COMPLETED → CLOSED. Channels
/// implement only the four operations. The transaction is bound to this object, not to a thread,
/// so async callers may resume on another thread between calls.
/// </summary>
public abstract class BasicTransaction : ITransaction
{
    private TransactionState _state = TransactionState.Open;

    public TransactionState State => _state;

    public void Put(Event e)
    {
        ArgumentNullException.ThrowIfNull(e);
        Require(TransactionState.Open, "put");
        DoPut(e);
    }

    public Event? Take()
    {
        Require(TransactionState.Open, "take");
        return DoTake();
    }

    public int TakeBatch(List<Event> into, int max)
    {
        ArgumentNullException.ThrowIfNull(into);
        Require(TransactionState.Open, "take");
        return max <= 0 ? 0 : DoTakeBatch(into, max);
    }

    public void Commit()
    {
        Require(TransactionState.Open, "commit");
        DoCommit();
        _state = TransactionState.Completed;
    }

    public void Rollback()
    {
        Require(TransactionState.Open, "rollback");
        DoRollback();
        _state = TransactionState.Completed;
    }

    /// <summary>
    /// Closes the transaction. Closing an OPEN transaction is a programming error in Flume; here it rolls
    /// back first so that a failing caller can never leak taken events, then reports the misuse.
    /// </summary>
    public void Dispose()
    {
        if (_state == TransactionState.Closed)
        {
            return;
        }

        if (_state == TransactionState.Open)
        {
            DoRollback();
            _state = TransactionState.Closed;
            DoClose();
            throw new InvalidOperationException("close() called when transaction is OPEN - you must either commit or rollback first");
        }

        _state = TransactionState.Closed;
        DoClose();
    }

    protected abstract void DoPut(Event e);

    protected abstract Event? DoTake();

    /// <summary>Takes up to <paramref name="max"/> (at least 1) events into <paramref name="into"/>; by default one <see cref="DoTake"/> at a time.</summary>
    protected virtual int DoTakeBatch(List<Event> into, int max)
    {
        var n = 0;
        while (n < max && DoTake() is { } e)
        {
            into.Add(e);
            n++;
        }

        return n;
    }

    protected abstract void DoCommit();

    protected abstract void DoRollback();

    protected virtual void DoClose()
    {
    }

    private void Require(TransactionState expected, string op)
    {
        if (_state != expected)
        {
            throw new InvalidOperationException($"{op}() called when transaction is {_state.ToString().ToUpperInvariant()}!");
        }
    }
}

public enum TransactionState
{
    Open,
    Completed,
    Closed,
}
