using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Filesystems.Dev;

/// <summary>
/// The host devices a guest may open, by their Linux-wide numbers (devices.txt): the harmless pseudo
/// devices, and the controlling terminal (<see cref="ControllingTerminalOf"/>). A device node anywhere in the guest's tree with one of these
/// numbers opens the host device; any other number is refused (EPERM), as a container's device policy would.
/// </summary>
public static class HostDevices
{
    /// <summary>The host path for a device number, or null if guests may not open it.</summary>
    public static string? PathFor(ulong rdev) =>
        rdev == SuperBlock.MakeDev(1, 3) ? "/dev/null" :
        rdev == SuperBlock.MakeDev(1, 5) ? "/dev/zero" :
        rdev == SuperBlock.MakeDev(1, 7) ? "/dev/full" :
        rdev == SuperBlock.MakeDev(1, 8) ? "/dev/random" :
        rdev == SuperBlock.MakeDev(1, 9) ? "/dev/urandom" :
        null;

    /// <summary>
    /// The host path of a guest thread's controlling terminal (what its /dev/tty means), or null if it has none:
    /// the kernel's own terminal by /dev/tty, a pseudo-terminal by its /dev/pts name. <paramref name="tty"/> is the
    /// thread's tty_nr (<see cref="Guest.IGuestThread.TerminalNumber"/>).
    /// </summary>
    public static string? ControllingTerminalOf(int tty)
    {
        if (tty == 0) return null;
        if (tty == TtyNumber("/proc/self/stat")) return "/dev/tty";
        uint major = (uint)((tty >> 8) & 0xfff), minor = (uint)((tty & 0xff) | ((tty >> 12) & 0xfff00));
        return major is >= 136 and <= 143 ? "/dev/pts/" + ((major - 136) * 256 + minor).ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    /// <summary>Field 7 (tty_nr) of a /proc stat file; 0 if it cannot be read.</summary>
    public static int TtyNumber(string statPath)
    {
        string text;
        try { text = System.IO.File.ReadAllText(statPath); }
        catch (System.IO.IOException) { return 0; }
        // The command name in parentheses may hold spaces; the fields after it are: state ppid pgrp session tty_nr.
        string[] fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Length > 4 && int.TryParse(fields[4], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int n) ? n : 0;
    }
}
