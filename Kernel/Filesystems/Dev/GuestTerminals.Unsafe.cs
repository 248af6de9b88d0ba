using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using UserKernel.Kernel.Abi;
using static Tmds.Linux.LibC;

namespace UserKernel.Kernel.Filesystems.Dev;

/// <summary>
/// The guests' devpts: the host pseudo-terminals they may open by name, numbered by the kernel from 0 as a fresh devpts
/// numbers them (a container's console is /dev/pts/0). They are the terminal the kernel was started on, those guests
/// made through /dev/ptmx, and those handed to programs the kernel started. Any other host pty (the host's own sessions,
/// another user's) is not in the guests' /dev/pts, whatever its number: the kernel opens a pty with its own rights, so
/// showing them all would hand a guest every terminal the kernel's user can open. A pty is known by its host number
/// and the change time of its devpts node, set when the host made it, so a number the host reuses for a new terminal
/// of its own is not the guest's.
/// </summary>
public sealed unsafe class GuestTerminals
{
    private const uint PtsMajorFirst = 136, PtsMajorLast = 143;
    private const ulong TIOCGPTN = 0x80045430;

    private readonly record struct Pty(uint Host, long Made);

    // By guest number.
    private readonly Dictionary<uint, Pty> ptys = new();

    /// <summary>
    /// Makes the pty of a descriptor the kernel holds the guests', if it is one: a slave by its own number, a master
    /// (a /dev/ptmx open) by its slave's. Returns its guest number, or null.
    /// </summary>
    public uint? Allow(int fd)
    {
        Tmds.Linux.stat st;
        if (fstat(fd, &st) != 0 || (st.st_mode & 0xF000) != 0x2000) return null; // not a character device
        uint major = Major((ulong)st.st_rdev), minor = Minor((ulong)st.st_rdev);
        if (major is >= PtsMajorFirst and <= PtsMajorLast) return Record((major - PtsMajorFirst) * 256 + minor, ChangeTime(st));
        if (major != 5 || minor != 2) return null; // not ptmx
        int number = 0;
        if (Interop.Libc.Ioctl(fd, TIOCGPTN, ref number) != 0) return null;
        return Node((uint)number) is { } made ? Record((uint)number, made) : null;
    }

    /// <summary>TIOCGPTN asked of a master the guest holds (the kernel's duplicate of it): its slave's guest number.</summary>
    public Result<uint> NumberOfMaster(int fd)
    {
        int number = 0;
        if (Interop.Libc.Ioctl(fd, TIOCGPTN, ref number) != 0) return (Errno)Marshal.GetLastPInvokeError();
        return Allow(fd) is { } guest ? guest : Errno.ENOTTY;
    }

    /// <summary>The host number of the guests' /dev/pts/<paramref name="guest"/>, if it is still the same pty.</summary>
    public uint? HostNumber(uint guest)
    {
        lock (ptys)
        {
            if (!ptys.TryGetValue(guest, out Pty pty)) return null;
            if (Node(pty.Host) == pty.Made) return pty.Host;
            ptys.Remove(guest); // gone, or the number now names another terminal
            return null;
        }
    }

    /// <summary>The guest number of the host's /dev/pts/<paramref name="host"/>, if it is the guests'.</summary>
    public uint? GuestNumber(uint host)
    {
        uint? found = null;
        lock (ptys)
            foreach (var (guest, pty) in ptys)
                if (pty.Host == host) found = guest;
        return found is { } g && HostNumber(g) == host ? g : null;
    }

    /// <summary>The guest numbers of the guests' ptys that still exist, in order.</summary>
    public List<uint> Numbers()
    {
        List<uint> numbers;
        lock (ptys) numbers = [.. ptys.Keys];
        numbers.RemoveAll(n => HostNumber(n) == null);
        numbers.Sort();
        return numbers;
    }

    /// <summary>A host path /dev/pts/N in the guests' numbering; other paths as they are.</summary>
    public string GuestPath(string hostPath) =>
        hostPath.StartsWith("/dev/pts/", StringComparison.Ordinal) &&
        uint.TryParse(hostPath.AsSpan(9), NumberStyles.None, CultureInfo.InvariantCulture, out uint host) && GuestNumber(host) is { } guest
            ? "/dev/pts/" + guest.ToString(CultureInfo.InvariantCulture)
            : hostPath;

    /// <summary>The pty's guest number: its old one if the guests have it already, else the lowest free.</summary>
    private uint Record(uint host, long made)
    {
        lock (ptys)
        {
            foreach (var (guest, pty) in ptys)
                if (pty.Host == host && pty.Made == made) return guest;
            uint free = 0;
            while (ptys.TryGetValue(free, out Pty held) && Node(held.Host) == held.Made) free++;
            ptys[free] = new Pty(host, made);
            return free;
        }
    }

    private static uint Major(ulong rdev) => (uint)((rdev >> 8) & 0xfff);

    private static uint Minor(ulong rdev) => (uint)((rdev & 0xff) | ((rdev >> 12) & 0xfff00));

    /// <summary>The change time, in nanoseconds, of the host's /dev/pts/N; null if there is none.</summary>
    private static long? Node(uint number)
    {
        byte[] path = Encoding.ASCII.GetBytes("/dev/pts/" + number.ToString(CultureInfo.InvariantCulture) + "\0");
        Tmds.Linux.stat st;
        fixed (byte* p = path)
            if (stat(p, &st) != 0) return null;
        return ChangeTime(st);
    }

    private static long ChangeTime(in Tmds.Linux.stat st) => (long)st.st_ctim.tv_sec * 1_000_000_000 + (long)st.st_ctim.tv_nsec;
}
