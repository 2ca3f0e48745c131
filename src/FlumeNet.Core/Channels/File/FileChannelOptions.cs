using FlumeNet.Configuration;

namespace FlumeNet.Channels.File;

/// <summary>Settings of the <c>file</c> channel: Flume's keys and defaults (spec components.md §2.2).</summary>
public sealed record FileChannelOptions
{
    public const long MaxFileSizeLimit = 1623195647;
    public const long MinimumRequiredSpaceFloor = 1048576;

    public string CheckpointDir { get; init; } = DefaultDir("checkpoint");

    public IReadOnlyList<string> DataDirs { get; init; } = new[] { DefaultDir("data") };

    public bool UseDualCheckpoints { get; init; }

    public string? BackupCheckpointDir { get; init; }

    public int Capacity { get; init; } = 1000000;

    public int TransactionCapacity { get; init; } = 10000;

    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromMilliseconds(30000);

    public long MaxFileSize { get; init; } = MaxFileSizeLimit;

    public long MinimumRequiredSpace { get; init; } = 524288000;

    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(3);

    public bool FsyncPerTransaction { get; init; } = true;

    public TimeSpan FsyncInterval { get; init; } = TimeSpan.FromSeconds(5);

    public bool CheckpointOnClose { get; init; } = true;

    /// <summary>How long a free-space reading is reused before asking the file system again (not a Flume key).</summary>
    public TimeSpan SpaceCheckInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Keys accepted but without effect on this format: logged once at INFO when the channel is built.</summary>
    public IReadOnlyList<string> IgnoredKeys { get; init; } = Array.Empty<string>();

    /// <summary>True when both option sets address the same files (a reload may then keep the open channel as is).</summary>
    public bool SameStorage(FileChannelOptions other) =>
        CheckpointDir == other.CheckpointDir && DataDirs.SequenceEqual(other.DataDirs)
        && UseDualCheckpoints == other.UseDualCheckpoints && BackupCheckpointDir == other.BackupCheckpointDir;

    public static string DefaultDir(string leaf) =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".flume", "file-channel", leaf);

    public static FileChannelOptions FromContext(ComponentContext ctx)
    {
        ctx.MarkKnown("type");
        var o = new FileChannelOptions();
        foreach (var key in ctx.Properties.Keys.Where(k => k.StartsWith("encryption.", StringComparison.Ordinal)))
        {
            ctx.Error(key, "Encryption of the file channel is not supported by FlumeNet (see docs/compatibility.md); remove the encryption.* keys");
        }

        ctx.MarkKnown(ctx.Properties.Keys.Where(k => k.StartsWith("encryption.", StringComparison.Ordinal)).ToArray());

        var checkpointDir = Full(ctx.GetString("checkpointDir") ?? o.CheckpointDir);
        var dataDirsText = ctx.GetString("dataDirs");
        var dataDirs = dataDirsText is null
            ? o.DataDirs.Select(Full).ToArray()
            : dataDirsText.Split(',').Select(d => d.Trim()).Where(d => d.Length > 0).Select(Full).Distinct().ToArray();
        if (dataDirs.Length == 0)
        {
            ctx.Error("dataDirs", "dataDirs names no directory");
        }

        if (dataDirs.Contains(checkpointDir))
        {
            ctx.Error("checkpointDir", $"checkpointDir {checkpointDir} is also one of dataDirs; they must differ");
        }

        var dual = ctx.GetBool("useDualCheckpoints", false);
        var backup = ctx.GetString("backupCheckpointDir");
        if (dual)
        {
            if (string.IsNullOrWhiteSpace(backup))
            {
                ctx.Error("backupCheckpointDir", "useDualCheckpoints is true but backupCheckpointDir is not set");
            }
            else if (Full(backup) == checkpointDir || dataDirs.Contains(Full(backup)))
            {
                ctx.Error("backupCheckpointDir", "backupCheckpointDir must differ from checkpointDir and the dataDirs");
            }
        }

        var capacity = ctx.GetIntOrDefault("capacity", o.Capacity);
        if (capacity <= 0)
        {
            capacity = o.Capacity;
        }

        var txCapacity = ctx.GetIntOrDefault("transactionCapacity", o.TransactionCapacity);
        if (txCapacity <= 0)
        {
            txCapacity = o.TransactionCapacity;
        }

        if (txCapacity > capacity)
        {
            ctx.Error("transactionCapacity", $"File Channel transaction capacity cannot be greater than the capacity of the channel ({txCapacity} > {capacity}).");
        }

        var interval = ctx.GetLongOrDefault("checkpointInterval", 30000);
        if (interval <= 0)
        {
            interval = 30000;
        }

        var maxFileSize = Math.Min(ctx.GetLongOrDefault("maxFileSize", MaxFileSizeLimit), MaxFileSizeLimit);
        if (maxFileSize <= LogFormat.HeaderSize)
        {
            ctx.Error("maxFileSize", $"maxFileSize must be larger than {LogFormat.HeaderSize} bytes");
        }

        var minSpace = Math.Max(ctx.GetLongOrDefault("minimumRequiredSpace", o.MinimumRequiredSpace), MinimumRequiredSpaceFloor);
        var keepAlive = Math.Max(0, ctx.GetIntOrDefault("keep-alive", 3));
        var fsyncInterval = ctx.GetIntOrDefault("fsyncInterval", 5);
        if (fsyncInterval <= 0)
        {
            fsyncInterval = 5;
        }

        var ignored = new List<string>();
        foreach (var key in new[] { "use-log-replay-v1", "use-fast-replay", "compressBackupCheckpoint", "write-timeout", "checkpoint-timeout" })
        {
            if (ctx.Contains(key))
            {
                ctx.MarkKnown(key);
                ignored.Add(key);
            }
        }

        return new FileChannelOptions
        {
            CheckpointDir = checkpointDir,
            DataDirs = dataDirs,
            UseDualCheckpoints = dual && !string.IsNullOrWhiteSpace(backup),
            BackupCheckpointDir = string.IsNullOrWhiteSpace(backup) ? null : Full(backup),
            Capacity = capacity,
            TransactionCapacity = txCapacity,
            CheckpointInterval = TimeSpan.FromMilliseconds(interval),
            MaxFileSize = maxFileSize,
            MinimumRequiredSpace = minSpace,
            KeepAlive = TimeSpan.FromSeconds(keepAlive),
            FsyncPerTransaction = ctx.GetBool("fsyncPerTransaction", true),
            FsyncInterval = TimeSpan.FromSeconds(fsyncInterval),
            CheckpointOnClose = ctx.GetBool("checkpointOnClose", true),
            IgnoredKeys = ignored,
        };
    }

    private static string Full(string path)
    {
        var p = path.Trim();

        return Path.TrimEndingDirectorySeparator(Path.GetFullPath(p));
    }
}
