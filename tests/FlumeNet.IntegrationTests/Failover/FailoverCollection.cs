namespace FlumeNet.IntegrationTests.Failover;

/// <summary>
/// The failover walkthroughs start several processes each and measure delays of about a second, so they run
/// one at a time and not next to other test collections (a loaded machine would blur the timings).
/// </summary>
[CollectionDefinition("failover", DisableParallelization = true)]
public sealed class FailoverCollection
{
    public const string Name = "failover";
}
