using System;
using System.Globalization;
using System.Runtime.InteropServices;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;

namespace UserKernel.Kernel.Tasks;

/// <summary>
/// What the kernel asks about the host processes that run guests, and signals it sends them itself. Of a guest it asks
/// the platform's view (<see cref="Guest.IGuestTaskView"/>): the host's relations of the process (parent, process group,
/// session) are fields of its stat text, which the kernel parses here. What is no guest's (the kernel's own parent's
/// limits, the kernel's pidfds) it reads itself.
/// </summary>
public static class HostProcesses
{
    /// <summary>The host process group of a process (field 5 of its stat); -1 if it is gone.</summary>
    public static int ProcessGroupOf(IGuestTaskView process) => StatField(process.ProcText(GuestProcFile.Stat), 5);

    /// <summary>A process's umask (the "Umask:" line of its status), read once when the kernel starts a process; null if unreadable.</summary>
    public static uint? UmaskOf(IGuestTaskView process)
    {
        foreach (string line in process.ProcText(GuestProcFile.Status).Split('\n'))
            if (line.StartsWith("Umask:", StringComparison.Ordinal)) return Convert.ToUInt32(line[6..].Trim(), 8);
        return null;
    }

    /// <summary>The host parent of a process (field 4): where the host re-parented an orphan; -1 if it is gone.</summary>
    public static int ParentOf(IGuestTaskView process) => StatField(process.ProcText(GuestProcFile.Stat), 4);

    /// <summary>The session of a process (field 6 of its stat); -1 if it is gone.</summary>
    public static int SessionOf(IGuestTaskView process) => StatField(process.ProcText(GuestProcFile.Stat), 6);

    /// <summary>
    /// Field <paramref name="field"/> (counted from 1, as proc(5) does) of a stat line <paramref name="stat"/>; -1 if it
    /// has no such field (an empty text: the task is gone).
    /// </summary>
    public static int StatField(string stat, int field)
    {
        // Fields 1 and 2 are the pid and the command name in parentheses, which may hold spaces.
        int close = stat.LastIndexOf(')');
        if (close < 0 || close + 2 > stat.Length) return -1;
        string[] fields = stat[(close + 2)..].Split(' ');
        return fields.Length > field - 3 && int.TryParse(fields[field - 3], NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : -1;
    }

    /// <summary>
    /// Gives the first guest process the RLIMIT_NOFILE soft limit of the process that started userkernel (a shell, say):
    /// the limit the program would have had run there. The .NET runtime raised userkernel's own soft limit to its hard one
    /// at start-up, and a guest that inherited that would open many times more files before its EMFILE than natively. The
    /// hard limit stays as it is.
    /// </summary>
    public static void GiveStartingOpenFilesLimit(IGuestTaskView process)
    {
        if (process.GetLimit(Rlimit.RLIMIT_NOFILE) is not { } limit || OpenFilesSoftLimitOf(Tmds.Linux.LibC.getppid()) is not { } soft) return;
        if (soft < limit.rlim_cur) process.SetLimit(Rlimit.RLIMIT_NOFILE, limit with { rlim_cur = soft });
    }

    /// <summary>The soft "Max open files" limit of the kernel's own parent (/proc/PID/limits); null if it cannot be read.</summary>
    private static ulong? OpenFilesSoftLimitOf(int hostPid)
    {
        try
        {
            foreach (string line in System.IO.File.ReadLines($"/proc/{hostPid}/limits"))
            {
                if (!line.StartsWith("Max open files", StringComparison.Ordinal)) continue;
                string soft = line["Max open files".Length..].TrimStart().Split(' ')[0];
                return soft == "unlimited" ? Rlimit.RLIM_INFINITY
                    : ulong.TryParse(soft, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value) ? value : null;
            }
        }
        catch (System.IO.IOException) { }
        return null;
    }

    /// <summary>The host pid a pidfd of the kernel's names (its fdinfo's Pid line); 0 if the descriptor is no pidfd, -1 if the process is gone.</summary>
    public static int PidOfPidfd(int pidfd)
    {
        try
        {
            foreach (string line in System.IO.File.ReadLines($"/proc/self/fdinfo/{pidfd}"))
                if (line.StartsWith("Pid:", StringComparison.Ordinal))
                    return int.Parse(line.AsSpan(4).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture);
        }
        catch (System.IO.IOException) { }
        return 0;
    }

    /// <summary>A pidfd of the kernel's for a host process (close-on-exec); ESRCH if it is gone.</summary>
    public static Result<int> OpenPidfd(int hostPid)
    {
        int fd = Interop.Libc.PidfdOpen(hostPid, 0);
        return fd >= 0 ? fd : (Errno)Marshal.GetLastPInvokeError();
    }
}
