namespace FlumeNet.Agent;

/// <summary>The parsed <c>flume-ng</c> command line.</summary>
internal sealed record CommandLine(
    string Command,
    string? Name,
    IReadOnlyList<string> ConfFiles,
    string? ConfDir,
    bool NoReload,
    int PollIntervalSeconds,
    IReadOnlyDictionary<string, string> SystemProperties,
    IReadOnlyDictionary<string, string> Options,
    bool Help)
{
    /// <summary>Parses the words after the program name. Throws <see cref="UsageException"/> with a one-line message.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0)
        {
            throw new UsageException("Unknown or unspecified command ''");
        }

        var command = args[0];
        string? name = null;
        string? confDir = null;
        var files = new List<string>();
        var sys = new Dictionary<string, string>(StringComparer.Ordinal);
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var noReload = false;
        var help = false;
        var poll = 30;
        for (int i = 1; i < args.Count; i++)
        {
            var a = args[i];

            // Java Flume's parser also takes a long option's value after '=': --name=a1, --conf-file=F.
            string? inline = null;
            var eqAt = a.StartsWith("--", StringComparison.Ordinal) ? a.IndexOf('=', StringComparison.Ordinal) : -1;
            if (eqAt > 2)
            {
                inline = a[(eqAt + 1)..];
                a = a[..eqAt];
            }

            string Value()
            {
                if (inline is not null)
                {
                    var v = inline;
                    inline = null;
                    return v;
                }

                if (i + 1 >= args.Count || (args[i + 1].StartsWith('-') && args[i + 1].Length > 1))
                {
                    throw new UsageException($"Option {a} requires an argument");
                }

                return args[++i];
            }

            if (a.StartsWith("-D", StringComparison.Ordinal))
            {
                var kv = a.Length > 2 ? a[2..] : Value();
                var eq = kv.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    sys[kv] = string.Empty;
                }
                else
                {
                    sys[kv[..eq]] = kv[(eq + 1)..];
                }

                continue;
            }

            if (a.StartsWith("-X", StringComparison.Ordinal))
            {
                continue; // JVM options mean nothing here; accepted so existing scripts keep working.
            }

            switch (command, a)
            {
                case (_, "-h" or "--help"):
                    help = true;
                    break;
                case (_, "-c" or "--conf"):
                    confDir = Value();
                    break;
                case ("agent" or "node", "-n" or "--name"):
                    name = Value();
                    break;
                case ("agent" or "node", "-f" or "--conf-file"):
                    files.Add(Value());
                    break;
                case ("agent" or "node", "--no-reload-conf"):
                    noReload = true;
                    break;
                case ("agent" or "node", "-i" or "--poll-interval"):
                    var v = Value();
                    if (!int.TryParse(v, out poll) || poll <= 0)
                    {
                        throw new UsageException($"--poll-interval: '{v}' is not a positive number of seconds");
                    }

                    break;
                case ("avro-client", "-H" or "--host"):
                    options["host"] = Value();
                    break;
                case ("avro-client", "-p" or "--port"):
                    options["port"] = Value();
                    break;
                case ("avro-client", "-F" or "--filename"):
                    options["filename"] = Value();
                    break;
                case ("avro-client", "-R" or "--headerFile"):
                    options["headerFile"] = Value();
                    break;
                case ("avro-client", "--dirname"):
                    options["dirname"] = Value();
                    break;
                case ("avro-client", "-P" or "--rpcProps"):
                    options["rpcProps"] = Value();
                    break;
                default:
                    throw new UsageException($"Unrecognized option: {a}");
            }

            if (inline is not null)
            {
                throw new UsageException($"Option {a} takes no value (got '{a}={inline}')");
            }
        }

        return new CommandLine(command, name, files, confDir, noReload, poll, sys, options, help);
    }
}

internal sealed class UsageException(string message) : Exception(message);
