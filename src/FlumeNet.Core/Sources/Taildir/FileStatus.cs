using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace FlumeNet.Sources.Taildir;

/// <summary>Identity of a file on Linux: device and inode. Survives renames; a copy or a re-created file gets a new one.</summary>
internal readonly record struct FileId(ulong Device, ulong Inode);

/// <summary>What one <c>statx</c> call says about a file.</summary>
internal readonly record struct FileStatus(FileId Id, long Size, long ModifiedNanos, uint LinkCount, bool IsRegular, bool IsDirectory)
{
    /// <summary>Status of the file at <paramref name="path"/> (symbolic links followed), or null when it does not exist.</summary>
    public static FileStatus? Of(string path) => StatxNative.ByPath(path);

    /// <summary>Status of an open file (still valid after the file was renamed or deleted).</summary>
    public static FileStatus? Of(SafeFileHandle handle) => StatxNative.ByHandle(handle);
}

/// <summary>
/// <c>statx(2)</c> through a source-generated P/Invoke (trimming and AOT safe). <c>struct statx</c> has the same layout
/// on every Linux architecture, unlike <c>struct stat</c>, so the offsets below hold everywhere. Other systems have no
/// inode here: a file is then identified by a hash of its path (renames are not followed).
/// </summary>
internal static partial class StatxNative
{
    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;
    private const int BufferSize = 256;
    private const int ModeRegular = 0x8000;
    private const int ModeDirectory = 0x4000;
    private const int ModeTypeMask = 0xF000;

    public static unsafe FileStatus? ByPath(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return Fallback(path);
        }

        byte* buf = stackalloc byte[BufferSize];
        return Statx(AtFdCwd, path, 0, StatxBasicStats, buf) == 0 ? Parse(buf) : null;
    }

    public static unsafe FileStatus? ByHandle(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new FileStatus(default, RandomAccess.GetLength(handle), 0, 1, true, false);
        }

        byte* buf = stackalloc byte[BufferSize];
        byte empty = 0;
        return StatxHandle(handle, &empty, AtEmptyPath, StatxBasicStats, buf) == 0 ? Parse(buf) : null;
    }

    // Layout of struct statx (include/uapi/linux/stat.h): nlink u32 @16, mode u16 @28, ino u64 @32, size u64 @40,
    // mtime {i64 sec, u32 nsec} @112, dev_major u32 @136, dev_minor u32 @140.
    private static unsafe FileStatus Parse(byte* b)
    {
        var nlink = *(uint*)(b + 16);
        var mode = *(ushort*)(b + 28);
        var ino = *(ulong*)(b + 32);
        var size = *(long*)(b + 40);
        var mtime = (*(long*)(b + 112) * 1_000_000_000L) + *(uint*)(b + 120);
        var dev = ((ulong)*(uint*)(b + 136) << 32) | *(uint*)(b + 140);
        return new FileStatus(new FileId(dev, ino), size, mtime, nlink, (mode & ModeTypeMask) == ModeRegular, (mode & ModeTypeMask) == ModeDirectory);
    }

    private static FileStatus? Fallback(string path)
    {
        var info = new FileInfo(path);
        if (info.Exists)
        {
            return new FileStatus(new FileId(0, (ulong)StringComparer.Ordinal.GetHashCode(info.FullName)), info.Length, info.LastWriteTimeUtc.Ticks * 100, 1, true, false);
        }

        return Directory.Exists(path) ? new FileStatus(default, 0, Directory.GetLastWriteTimeUtc(path).Ticks * 100, 1, false, true) : null;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "statx")]
    private static unsafe partial int StatxHandle(SafeFileHandle dirfd, byte* path, int flags, uint mask, byte* buffer);
}
