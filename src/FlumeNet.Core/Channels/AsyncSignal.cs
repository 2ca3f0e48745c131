namespace FlumeNet.Channels;

/// <summary>
/// Wakes everyone waiting for "something changed". Cheap to set when nobody waits.
/// </summary>
internal sealed class AsyncSignal
{
    private readonly object _gate = new();
    private TaskCompletionSource? _waiters;

    public void Set()
    {
        // Nobody waits (the usual case while the channel is busy): no lock. A waiter registers before it looks at
        // the channel under the channel's lock, and Set runs after a commit released that lock, so none is missed.
        if (Volatile.Read(ref _waiters) is null)
        {
            return;
        }

        TaskCompletionSource? toWake;
        lock (_gate)
        {
            toWake = _waiters;
            _waiters = null;
        }

        toWake?.TrySetResult();
    }

    /// <summary>A task that completes at the next <see cref="Set"/>.</summary>
    public Task NextAsync()
    {
        lock (_gate)
        {
            _waiters ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _waiters.Task;
        }
    }

    /// <summary>Returns at once when <paramref name="ready"/> holds, else at the next <see cref="Set"/> or after <paramref name="timeout"/>.</summary>
    public async ValueTask WaitUnlessAsync(Func<bool> ready, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var next = NextAsync();
        if (ready())
        {
            return;
        }

        try
        {
            await next.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }
}
