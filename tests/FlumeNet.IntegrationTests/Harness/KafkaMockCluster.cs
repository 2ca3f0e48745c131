using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace FlumeNet.IntegrationTests.Harness;

/// <summary>
/// librdkafka's built-in mock Kafka cluster (a real Kafka wire-protocol implementation), held by this test process
/// so that <c>flume-ng</c> processes, <c>kcat</c> and <c>python3-kafka</c> connect to it over 127.0.0.1. Confluent.Kafka
/// does not expose the mock API, so this calls librdkafka (the copy shipped beside the tests) directly: a client created
/// with <c>test.mock.num.brokers</c> owns the cluster; its bootstrap servers, topic creation, broker down/up and
/// request error injection are librdkafka's <c>rd_kafka_mock_*</c> functions.
/// </summary>
public sealed unsafe class KafkaMockCluster : IDisposable
{
    private static readonly IntPtr Lib = LoadLibrary();
    private static readonly delegate* unmanaged<IntPtr> ConfNew = (delegate* unmanaged<IntPtr>)Fn("rd_kafka_conf_new");
    private static readonly delegate* unmanaged<IntPtr, byte*, byte*, byte*, nuint, int> ConfSet = (delegate* unmanaged<IntPtr, byte*, byte*, byte*, nuint, int>)Fn("rd_kafka_conf_set");
    private static readonly delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr> KafkaNew = (delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr>)Fn("rd_kafka_new");
    private static readonly delegate* unmanaged<IntPtr, void> KafkaDestroy = (delegate* unmanaged<IntPtr, void>)Fn("rd_kafka_destroy");
    private static readonly delegate* unmanaged<IntPtr, IntPtr> HandleMockCluster = (delegate* unmanaged<IntPtr, IntPtr>)Fn("rd_kafka_handle_mock_cluster");
    private static readonly delegate* unmanaged<IntPtr, IntPtr> Bootstraps = (delegate* unmanaged<IntPtr, IntPtr>)Fn("rd_kafka_mock_cluster_bootstraps");
    private static readonly delegate* unmanaged<IntPtr, byte*, int, int, int> TopicCreate = (delegate* unmanaged<IntPtr, byte*, int, int, int>)Fn("rd_kafka_mock_topic_create");
    private static readonly delegate* unmanaged<IntPtr, short, nuint, int*, void> PushErrors = (delegate* unmanaged<IntPtr, short, nuint, int*, void>)Fn("rd_kafka_mock_push_request_errors_array");
    private static readonly delegate* unmanaged<IntPtr, int, int> BrokerDown = (delegate* unmanaged<IntPtr, int, int>)Fn("rd_kafka_mock_broker_set_down");
    private static readonly delegate* unmanaged<IntPtr, int, void> InitialRebalanceDelay = (delegate* unmanaged<IntPtr, int, void>)Fn("rd_kafka_mock_group_initial_rebalance_delay_ms");
    private static readonly delegate* unmanaged<IntPtr, int, int> BrokerUp = (delegate* unmanaged<IntPtr, int, int>)Fn("rd_kafka_mock_broker_set_up");

    private readonly object _lock = new();
    private IntPtr _rk;
    private IntPtr _cluster;

    public KafkaMockCluster()
    {
        var conf = ConfNew();
        Set(conf, "test.mock.num.brokers", "1");
        var err = stackalloc byte[512];
        _rk = KafkaNew(0, conf, err, 512);
        if (_rk == IntPtr.Zero)
        {
            throw new InvalidOperationException("rd_kafka_new: " + Marshal.PtrToStringUTF8((IntPtr)err));
        }

        _cluster = HandleMockCluster(_rk);
        if (_cluster == IntPtr.Zero)
        {
            throw new InvalidOperationException("librdkafka created no mock cluster");
        }

        InitialRebalanceDelay(_cluster, 0); // a group forms as soon as its first member joins (Kafka waits 3 s)
        BootstrapServers = Marshal.PtrToStringUTF8(Bootstraps(_cluster)) ?? throw new InvalidOperationException("no bootstrap servers");
    }

    /// <summary>Kafka API keys for <see cref="InjectErrors"/>.</summary>
    public const short ApiProduce = 0;
    public const short ApiFetch = 1;
    public const short ApiOffsetCommit = 8;

    /// <summary>Host:port list of the mock brokers (on 127.0.0.1).</summary>
    public string BootstrapServers { get; }

    public void CreateTopic(string topic, int partitions)
    {
        lock (_lock)
        {
            int rc;
            fixed (byte* t = Z(topic))
            {
                rc = TopicCreate(_cluster, t, partitions, 1);
            }

            if (rc != 0)
            {
                throw new InvalidOperationException($"creating topic {topic}: error {rc}");
            }
        }
    }

    /// <summary>The next requests of kind <paramref name="apiKey"/> fail, one per error code, in order.</summary>
    public void InjectErrors(short apiKey, params int[] errorCodes)
    {
        lock (_lock)
        {
            fixed (int* p = errorCodes)
            {
                PushErrors(_cluster, apiKey, (nuint)errorCodes.Length, p);
            }
        }
    }

    public void SetBrokerDown(bool down)
    {
        lock (_lock)
        {
            _ = down ? BrokerDown(_cluster, 1) : BrokerUp(_cluster, 1);
        }
    }

    /// <summary>Every record value of <paramref name="topic"/> (all partitions) read with kcat: "partition|key|value" lines.</summary>
    public IReadOnlyList<string> ReadWithKcat(string topic, string format = "%p|%k|%s\\n")
    {
        var (code, stdout, stderr) = Run("kcat", $"-C -b {BootstrapServers} -t {topic} -o beginning -e -q -f {format}");
        return code == 0 ? stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries) : throw new InvalidOperationException($"kcat exited {code}: {stderr}");
    }

    /// <summary>Produces one record per line with kcat; with <paramref name="keyed"/> each line is "key:value".</summary>
    public void ProduceWithKcat(string topic, IEnumerable<string> lines, bool keyed = false)
    {
        var (code, _, stderr) = Run("kcat", $"-P -b {BootstrapServers} -t {topic}{(keyed ? " -K:" : string.Empty)}", string.Join('\n', lines) + "\n");
        if (code != 0)
        {
            throw new InvalidOperationException($"kcat exited {code}: {stderr}");
        }
    }

    /// <summary>Runs a python3-kafka script with <c>BOOTSTRAP</c> set; returns its output.</summary>
    public string Python(string script)
    {
        var (code, stdout, stderr) = Run("/usr/bin/python3", "-", script, ("BOOTSTRAP", BootstrapServers));
        return code == 0 ? stdout : throw new InvalidOperationException($"python3 exited {code}: {stderr}");
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_rk != IntPtr.Zero)
            {
                KafkaDestroy(_rk);
                _rk = IntPtr.Zero;
                _cluster = IntPtr.Zero;
            }
        }
    }

    private static (int Code, string Stdout, string Stderr) Run(string file, string args, string? stdin = null, (string, string)? env = null)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (env is { } e)
        {
            psi.Environment[e.Item1] = e.Item2;
        }

        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEndAsync();
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
        }

        p.StandardInput.Close();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(true);
            throw new TimeoutException($"{file} {args} did not finish in 60 s");
        }

        return (p.ExitCode, output.Result, err.Result);
    }

    private static void Set(IntPtr conf, string name, string value)
    {
        var err = stackalloc byte[512];
        int rc;
        fixed (byte* n = Z(name), v = Z(value))
        {
            rc = ConfSet(conf, n, v, err, 512);
        }

        if (rc != 0)
        {
            throw new InvalidOperationException($"rd_kafka_conf_set {name}: {Marshal.PtrToStringUTF8((IntPtr)err)}");
        }
    }

    private static byte[] Z(string s) => Encoding.UTF8.GetBytes(s + "\0");

    private static IntPtr Fn(string name) => NativeLibrary.GetExport(Lib, name);

    /// <summary>
    /// The librdkafka that Confluent.Kafka ships; like Confluent.Kafka, falls back to the build without
    /// libsasl2.so.3 (Debian has libsasl2.so.2) when the default one cannot be loaded.
    /// </summary>
    private static IntPtr LoadLibrary()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
        Exception? first = null;
        foreach (var name in new[] { "librdkafka.so", "centos8-librdkafka.so" })
        {
            try
            {
                return NativeLibrary.Load(Path.Combine(dir, name));
            }
            catch (DllNotFoundException ex)
            {
                first ??= ex;
            }
        }

        throw first ?? new DllNotFoundException("librdkafka");
    }
}
