using System.Globalization;

namespace FlumeNet.Channels.File;

/// <summary>
/// Exclusive use of a channel directory: <c>in_use.lock</c> held open with an exclusive lock (flock on Linux), which the
/// kernel releases when the process dies, plus <c>in_use.pid</c> naming the holder for the error message.
/// </summary>
internal sealed class DirectoryLock : IDisposable
{
    public const string LockFileName = "in_use.lock";
    public const string PidFileName = "in_use.pid";
    private readonly FileStream _stream;

    private DirectoryLock(string dir, FileStream stream)
    {
        Directory = dir;
        _stream = stream;
    }

    public string Directory { get; }

    public static DirectoryLock Acquire(string dir)
    {
        var lockPath = Path.Combine(dir, LockFileName);
        var pidPath = Path.Combine(dir, PidFileName);
        FileStream stream;
        try
        {
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            string holder;
            try
            {
                holder = "process " + System.IO.File.ReadAllText(pidPath).Trim();
            }
            catch (IOException)
            {
                holder = "another process";
            }

            throw new ChannelException($"Cannot lock {dir}. The directory is already locked by {holder} (lock file {lockPath})");
        }

        System.IO.File.WriteAllText(pidPath, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        return new DirectoryLock(dir, stream);
    }

    public void Dispose() => _stream.Dispose();
}
