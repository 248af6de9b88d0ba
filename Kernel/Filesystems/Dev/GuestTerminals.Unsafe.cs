using System.Collections.Generic;
using System.Globalization;
using System.Text;
using static Tmds.Linux.LibC;

namespace UserKernel.Kernel.Filesystems.Dev;

/// <summary>
/// The host pseudo-terminals the guests may open by name in /dev/pts: the terminal the kernel was started on, those
/// guests made through /dev/ptmx, and those handed to programs the kernel started. Any other host pty (the host's own
/// sessions, another user's) is not in the guests' /dev/pts, whatever its number: the kernel opens a pty with its own
/// rights, so showing them all would hand a guest every terminal the kernel's user can open. A pty is known by its
/// number and the change time of its devpts node, set when the host made it, so a number the host reuses for a new
/// terminal of its own is not the guest's.
/// </summary>
public sealed unsafe class GuestTerminals
{
    private const uint PtsMajorFirst = 136, PtsMajorLast = 143;
    private const ulong TIOCGPTN = 0x80045430;

    private readonly Dictionary<uint, long> known = new();

    /// <summary>
    /// Records the pty of a descriptor the kernel holds, if it is one: a slave by its own number, a master (a
    /// /dev/ptmx open) by its slave's.
    /// </summary>
    public void Allow(int fd)
    {
        Tmds.Linux.stat st;
        if (fstat(fd, &st) != 0 || (st.st_mode & 0xF000) != 0x2000) return; // not a character device
        uint major = (uint)(((ulong)st.st_rdev >> 8) & 0xfff), minor = (uint)(((ulong)st.st_rdev & 0xff) | (((ulong)st.st_rdev >> 12) & 0xfff00));
        if (major is >= PtsMajorFirst and <= PtsMajorLast)
        {
            Record((major - PtsMajorFirst) * 256 + minor, ChangeTime(st));
            return;
        }
        if (major != 5 || minor != 2) return; // not ptmx
        uint number;
        if (Interop.Libc.Ioctl(fd, TIOCGPTN, &number) != 0) return;
        if (Node(number) is { } slave) Record(number, slave);
    }

    /// <summary>Whether /dev/pts/<paramref name="number"/> is a pty the guests were given (and still the same one).</summary>
    public bool Allows(uint number)
    {
        lock (known)
        {
            if (!known.TryGetValue(number, out long made)) return false;
            if (Node(number) == made) return true;
            known.Remove(number); // gone, or the number now names another terminal
            return false;
        }
    }

    /// <summary>The numbers of the guests' ptys that still exist.</summary>
    public List<uint> Numbers()
    {
        List<uint> numbers;
        lock (known) numbers = [.. known.Keys];
        numbers.RemoveAll(n => !Allows(n));
        numbers.Sort();
        return numbers;
    }

    private void Record(uint number, long changeTime)
    {
        lock (known) known[number] = changeTime;
    }

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
