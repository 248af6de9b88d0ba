using System;
using System.Globalization;
using System.Runtime.InteropServices;
using UserKernel.Kernel.Abi;

namespace UserKernel.Kernel.Tasks;

/// <summary>What the kernel asks the host about the host processes that run guests, and signals it sends them itself.</summary>
public static class HostProcesses
{
    /// <summary>The host process group of a host process (field 5 of /proc/PID/stat); -1 if it is gone.</summary>
    public static int ProcessGroupOf(int hostPid) => StatField(hostPid, 5);

    /// <summary>The host parent of a host process (field 4): where the host re-parented an orphan; -1 if it is gone.</summary>
    public static int ParentOf(int hostPid) => StatField(hostPid, 4);

    /// <summary>The foreground process group of a host thread's controlling terminal (field 8, tpgid); -1 if none.</summary>
    public static int ForegroundGroupOf(int hostTid) => StatField(hostTid, 8);

    /// <summary>Field <paramref name="field"/> (counted from 1, as proc(5) does) of /proc/ID/stat; -1 if it cannot be read.</summary>
    private static int StatField(int id, int field)
    {
        string text;
        try { text = System.IO.File.ReadAllText($"/proc/{id}/stat"); }
        catch (System.IO.IOException) { return -1; }
        // Fields 1 and 2 are the pid and the command name in parentheses, which may hold spaces.
        string[] fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Length > field - 3 && int.TryParse(fields[field - 3], NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : -1;
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
