using Microsoft.Extensions.Logging;

namespace FlumeNet.Sources.Http;

/// <summary>
/// The logger factory handed to Kestrel. Kestrel reports malformed requests, header timeouts and too-slow bodies only
/// at Debug (category <c>Microsoft.AspNetCore.Server.Kestrel.BadRequests</c>); this bridge turns each into one WARN
/// line of the http source, so bad clients are visible at the default level. Other categories pass through.
/// </summary>
internal sealed class KestrelLogBridge(ILoggerFactory inner, ILogger source) : ILoggerFactory
{
    private const string BadRequests = "Microsoft.AspNetCore.Server.Kestrel.BadRequests";

    public ILogger CreateLogger(string categoryName) =>
        categoryName == BadRequests ? new BadRequestLogger(source) : inner.CreateLogger(categoryName);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose()
    {
        // the inner factory belongs to the agent
    }

    private sealed class BadRequestLogger(ILogger source) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => source.IsEnabled(LogLevel.Warning);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // A too-slow body is reported twice (the rate check, then the failed read): keep the second.
            if (eventId.Name != "RequestBodyMinimumDataRateNotSatisfied")
            {
                source.LogWarning("Rejected HTTP request: {Message}", formatter(state, exception));
            }
        }
    }
}
