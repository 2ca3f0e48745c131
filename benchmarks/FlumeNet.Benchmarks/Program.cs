using BenchmarkDotNet.Running;

// `scripts/bench.sh micro` runs every benchmark with a short job; any BenchmarkDotNet argument works here
// (e.g. `--filter *Channel*`, `--job short`, `--list flat`).
BenchmarkSwitcher.FromAssembly(typeof(FlumeNet.Benchmarks.MemoryChannelBenchmarks).Assembly).Run(args);
