using System;
using System.Collections.Generic;
using System.Globalization;
using Tmds.Linux;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Filesystems.Dev;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;
using static Tmds.Linux.LibC;

namespace UserKernel.SyscallBridge.Guest;

/// <summary>
/// What the kernel asks of a guest thread that only the host knows, read from the host's /proc/TID and prlimit: its
/// descriptor table (/proc/TID/fd and fdinfo), its proc(5) text, its limits, its stack mapping and its controlling
/// terminal. At a stop the thread is in a call the kernel serves, so the answers are current; seen through /proc
/// (<see cref="HostTaskView"/>) it may run on or be gone, and a gone thread answers as an empty one.
/// </summary>
internal sealed unsafe class HostThread(int hostTid) : IGuestDescriptors
{
    public (ulong Dev, ulong Ino)? ObjectOf(int fd)
    {
        Span<byte> path = stackalloc byte[64];
        ProcPath(path, hostTid, "fd"u8, fd);
        stat st;
        fixed (byte* p = path)
        {
            if (stat(p, &st) != 0) return null;
        }
        return (st.st_dev, st.st_ino);
    }

    public bool IsOpen(int fd)
    {
        Span<byte> path = stackalloc byte[64];
        ProcPath(path, hostTid, "fd"u8, fd);
        stat st;
        fixed (byte* p = path) return lstat(p, &st) == 0;
    }

    /// <summary>The "pos:" line of /proc/TID/fdinfo/FD.</summary>
    public long OffsetOf(int fd)
    {
        Span<byte> path = stackalloc byte[64];
        ProcPath(path, hostTid, "fdinfo"u8, fd);
        Span<byte> text = stackalloc byte[256];
        int file, n;
        fixed (byte* p = path) file = open(p, O_RDONLY | O_CLOEXEC);
        if (file < 0) return -1;
        fixed (byte* t = text) n = (int)read(file, t, (size_t)text.Length);
        close(file);
        if (n <= 4 || !text.StartsWith("pos:"u8)) return -1;
        ReadOnlySpan<byte> digits = text[4..n].TrimStart("\t "u8);
        int end = digits.IndexOf((byte)'\n');
        return System.Buffers.Text.Utf8Parser.TryParse(end < 0 ? digits : digits[..end], out long pos, out _) ? pos : -1;
    }

    /// <summary>Reached through the host's magic link /proc/TID/fd/FD, which is also how it is reopened.</summary>
    public Inode? HostObject(SuperBlock superBlock, int fd) => HostObjectInode.Of(superBlock, Dir + "/fd/" + fd.ToString(CultureInfo.InvariantCulture));

    /// <summary>The names of /proc/TID/fd.</summary>
    public IReadOnlyList<int> Numbers()
    {
        var fds = new List<int>();
        try
        {
            foreach (string path in System.IO.Directory.EnumerateFileSystemEntries(Dir + "/fd"))
                if (int.TryParse(System.IO.Path.GetFileName(path), NumberStyles.None, CultureInfo.InvariantCulture, out int fd)) fds.Add(fd);
        }
        catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException) { }
        fds.Sort();
        return fds;
    }

    /// <summary>readlink of /proc/TID/fd/FD.</summary>
    public string? LinkTarget(int fd)
    {
        try { return new System.IO.FileInfo(Dir + "/fd/" + fd.ToString(CultureInfo.InvariantCulture)).LinkTarget; }
        catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>/proc/TID/fdinfo/FD.</summary>
    public string Info(int fd) => ReadText(Dir + "/fdinfo/" + fd.ToString(CultureInfo.InvariantCulture));

    /// <summary>/proc/TID/status, stat, statm, maps, oom_score or comm.</summary>
    public string ProcText(GuestProcFile file) => ReadText(Dir + file switch
    {
        GuestProcFile.Status => "/status",
        GuestProcFile.Stat => "/stat",
        GuestProcFile.Statm => "/statm",
        GuestProcFile.Maps => "/maps",
        GuestProcFile.OomScore => "/oom_score",
        GuestProcFile.Comm => "/comm",
        _ => throw new ArgumentOutOfRangeException(nameof(file)),
    });

    private string Dir => "/proc/" + hostTid.ToString(CultureInfo.InvariantCulture);

    /// <summary>A host file's text, or "" if the host does not have it (a thread that has just gone).</summary>
    private static string ReadText(string path)
    {
        try { return Names.FromBytes(System.IO.File.ReadAllBytes(path)); }
        catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException) { return ""; }
    }

    public Rlimit? GetLimit(int resource) => Interop.Libc.GetLimit(hostTid, resource);

    public bool SetLimit(int resource, Rlimit limit) => Interop.Libc.SetLimit(hostTid, resource, limit);

    /// <summary>The [stack] line of /proc/TID/maps, read with plain open and read (a FileStream adds an fstat and two flocks).</summary>
    public bool FindStack(out ulong start, out ulong end)
    {
        start = end = 0;
        Span<byte> path = stackalloc byte[48];
        "/proc/"u8.CopyTo(path);
        System.Buffers.Text.Utf8Formatter.TryFormat(hostTid, path[6..], out int written);
        "/maps\0"u8.CopyTo(path[(6 + written)..]);
        int file;
        fixed (byte* p = path) file = open(p, O_RDONLY | O_CLOEXEC);
        if (file < 0) return false;
        byte[] text = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int length = 0;
            while (true)
            {
                if (length == text.Length)
                {
                    byte[] larger = System.Buffers.ArrayPool<byte>.Shared.Rent(text.Length * 2);
                    text.AsSpan(0, length).CopyTo(larger);
                    System.Buffers.ArrayPool<byte>.Shared.Return(text);
                    text = larger;
                }
                long n;
                fixed (byte* t = &text[length]) n = read(file, t, (size_t)(text.Length - length));
                if (n < 0 && errno == (int)Errno.EINTR) continue;
                if (n <= 0) break;
                length += (int)n;
            }
            foreach (Range line in text.AsSpan(0, length).Split((byte)'\n'))
            {
                ReadOnlySpan<byte> l = text.AsSpan(0, length)[line];
                if (!l.EndsWith("[stack]"u8)) continue;
                int dash = l.IndexOf((byte)'-'), space = l.IndexOf((byte)' ');
                return dash > 0 && space > dash
                    && System.Buffers.Text.Utf8Parser.TryParse(l[..dash], out start, out _, 'x')
                    && System.Buffers.Text.Utf8Parser.TryParse(l[(dash + 1)..space], out end, out _, 'x');
            }
            return false;
        }
        finally
        {
            close(file);
            System.Buffers.ArrayPool<byte>.Shared.Return(text);
        }
    }

    /// <summary>What /proc/TID/exe names.</summary>
    public (ulong Dev, ulong Ino)? Executable
    {
        get
        {
            Span<byte> path = stackalloc byte[64];
            System.Text.Unicode.Utf8.TryWrite(path, $"/proc/{hostTid}/exe\0", out _);
            stat st;
            fixed (byte* p = path)
            {
                if (stat(p, &st) != 0) return null;
            }
            return (st.st_dev, st.st_ino);
        }
    }

    /// <summary>The State line of /proc/TID/status (Z or X), and its ShdPnd and SigPnd masks (SIGKILL being bit 8).</summary>
    public bool IsDying
    {
        get
        {
            string text = ProcText(GuestProcFile.Status);
            if (text.Length == 0) return true; // gone
            foreach (string line in text.Split('\n'))
            {
                if (line.StartsWith("State:", StringComparison.Ordinal) && line.IndexOfAny(['Z', 'X']) > 6) return true;
                if ((line.StartsWith("ShdPnd:", StringComparison.Ordinal) || line.StartsWith("SigPnd:", StringComparison.Ordinal)) &&
                    ulong.TryParse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong pending) && (pending & (1UL << 8)) != 0)
                    return true;
            }
            return false;
        }
    }

    /// <summary>Field 7 (tty_nr) of /proc/TID/stat.</summary>
    public int TerminalNumber => HostDevices.TtyNumber($"/proc/{hostTid}/stat");

    /// <summary>Field 8 (tpgid) of /proc/TID/stat.</summary>
    public int ForegroundGroup => HostProcesses.StatField(ProcText(GuestProcFile.Stat), 8);

    /// <summary>Writes "/proc/TID/KIND/FD" and a NUL into <paramref name="into"/> without allocating: the stops' descriptor questions.</summary>
    private static void ProcPath(Span<byte> into, int tid, ReadOnlySpan<byte> kind, int fd)
    {
        // By hand: Utf8.TryWrite with an interpolated string allocated 48 bytes a call here.
        "/proc/"u8.CopyTo(into);
        int n = 6;
        System.Buffers.Text.Utf8Formatter.TryFormat(tid, into[n..], out int written);
        n += written;
        into[n++] = (byte)'/';
        kind.CopyTo(into[n..]);
        n += kind.Length;
        into[n++] = (byte)'/';
        System.Buffers.Text.Utf8Formatter.TryFormat(fd, into[n..], out written);
        into[n + written] = 0;
    }
}
