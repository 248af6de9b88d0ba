using System;
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
/// descriptor table (/proc/TID/fd and fdinfo), its limits, its stack mapping and its controlling terminal. The thread
/// is stopped in a call the kernel serves, so the tid is its own and the answers are current.
/// </summary>
internal sealed unsafe class HostThread(int hostTid) : IGuestDescriptors
{
    public (ulong Dev, ulong Ino)? ObjectOf(int fd)
    {
        Span<byte> path = stackalloc byte[64];
        HostFiles.ProcPath(path, hostTid, "fd"u8, fd);
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
        HostFiles.ProcPath(path, hostTid, "fd"u8, fd);
        stat st;
        fixed (byte* p = path) return lstat(p, &st) == 0;
    }

    /// <summary>The "pos:" line of /proc/TID/fdinfo/FD.</summary>
    public long OffsetOf(int fd)
    {
        Span<byte> path = stackalloc byte[64];
        HostFiles.ProcPath(path, hostTid, "fdinfo"u8, fd);
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
    public Inode? HostObject(SuperBlock superBlock, int fd) =>
        HostObjectInode.Of(superBlock, "/proc/" + hostTid.ToString(CultureInfo.InvariantCulture) + "/fd/" + fd.ToString(CultureInfo.InvariantCulture));

    public Rlimit? GetLimit(int resource) => Interop.Libc.GetLimit(hostTid, resource);

    public bool SetLimit(int resource, Rlimit limit) => Interop.Libc.SetLimit(hostTid, resource, limit);

    /// <summary>The [stack] line of /proc/TID/maps.</summary>
    public bool FindStack(out ulong start, out ulong end)
    {
        start = end = 0;
        try
        {
            foreach (string line in System.IO.File.ReadLines($"/proc/{hostTid}/maps"))
            {
                if (!line.EndsWith("[stack]", StringComparison.Ordinal)) continue;
                int dash = line.IndexOf('-'), space = line.IndexOf(' ');
                start = ulong.Parse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                end = ulong.Parse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                return true;
            }
        }
        catch (System.IO.IOException) { }
        return false;
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

    /// <summary>Field 7 (tty_nr) of /proc/TID/stat.</summary>
    public int TerminalNumber => HostDevices.TtyNumber($"/proc/{hostTid}/stat");

    /// <summary>Field 8 (tpgid) of /proc/TID/stat.</summary>
    public int ForegroundGroup => HostProcesses.ForegroundGroupOf(hostTid);
}
