using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Filesystems.Proc;

/// <summary>The guest's ids of one task, as /proc/PID/stat and status print them (0 where the host's lies outside the guest).</summary>
/// <param name="IsCaller">The task is the one reading: the host sees it stopped for the kernel ("t"), the guest sees it running.</param>
public readonly record struct ProcIds(int Tgid, int Pid, int PPid, int Pgrp, int Session, int Tpgid, Credentials Credentials, int Threads, bool IsCaller = false,
    PtraceLink? Ptrace = null);

/// <summary>
/// The text of the per-process files. Most fields are host-wide facts about the host process that runs the
/// guest task (its memory, times, signals), so the host's file is the starting point and the kernel rewrites
/// what names the guest: its ids, its name, its credentials, and that no tracer is attached.
/// </summary>
public static class ProcRender
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// /proc/PID/status from the host's: Name, State (a ptrace stop is the guest's running or stopped, or its guest tracer's tracing stop), the pid fields, TracerPid (its
    /// guest tracer's; the guest's kernel is no tracer it can see), Uid and Gid (real, effective, saved, filesystem), Groups, the NS* fields, Threads and the capability sets rewritten.
    /// </summary>
    public static string Status(string hostStatus, string name, ProcIds ids)
    {
        var sb = new StringBuilder(hostStatus.Length + 64);
        string I(long v) => v.ToString(Inv);
        foreach (string line in hostStatus.Split('\n'))
        {
            if (line.Length == 0) continue;
            int colon = line.IndexOf(':');
            string key = colon < 0 ? line : line[..colon];
            string? replaced = key switch
            {
                "Name" => name,
                // The reader itself runs, as far as it can tell (the host sees it stopped for the kernel, or waiting in a
                // notification); another task in a ptrace stop is held in a group stop.
                "State" when ids.IsCaller => "R (running)",
                "State" when ids.Ptrace is { Stopped: true } => "t (tracing stop)", // held for its guest tracer
                "State" when colon + 2 < line.Length && line[colon + 2] == 't' => "T (stopped)",
                "Tgid" => I(ids.Tgid),
                "Ngid" => "0",
                "Pid" => I(ids.Pid),
                "PPid" => I(ids.PPid),
                "TracerPid" => I(ids.Ptrace is { Exited: false } link ? link.Tracer.Group.Tgid : 0),
                "Uid" => $"{ids.Credentials.Ruid}\t{ids.Credentials.Euid}\t{ids.Credentials.Suid}\t{ids.Credentials.Fsuid}",
                "Gid" => $"{ids.Credentials.Rgid}\t{ids.Credentials.Egid}\t{ids.Credentials.Sgid}\t{ids.Credentials.Fsgid}",
                "Groups" => string.Join(' ', ids.Credentials.Groups) + " ", // Linux ends the list with a space
                "NStgid" => I(ids.Tgid),
                "NSpid" => I(ids.Pid),
                "NSpgid" => I(ids.Pgrp),
                "NSsid" => I(ids.Session),
                "Threads" => I(ids.Threads),
                "CapInh" => ids.Credentials.CapInheritable.ToString("x16", Inv),
                "CapPrm" => ids.Credentials.CapPermitted.ToString("x16", Inv),
                "CapEff" => ids.Credentials.CapEffective.ToString("x16", Inv),
                "CapBnd" => ids.Credentials.CapBounding.ToString("x16", Inv),
                "CapAmb" => "0000000000000000",
                _ => null,
            };
            sb.Append(replaced == null ? line : key + ":\t" + replaced).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>
    /// /proc/PID/stat from the host's: "pid (comm) state ppid pgrp session tty_nr tpgid ..." with pid, comm, ppid,
    /// pgrp, session and tpgid the guest's. The comm may hold spaces and parentheses, so the fields after it are
    /// found from the last ')', as every reader of this file does.
    /// </summary>
    public static string Stat(string hostStat, string name, ProcIds ids, Func<uint, uint?>? guestPty = null)
    {
        int close = hostStat.LastIndexOf(')');
        if (close < 0) return hostStat;
        string[] rest = hostStat[(close + 1)..].Trim().Split(' ');
        // rest[0] is field 3 (state): field n is rest[n - 3].
        void Set(int field, int value) { if (rest.Length > field - 3) rest[field - 3] = value.ToString(Inv); }
        // The caller runs (the host sees it stopped for the kernel, or waiting in a notification); another task in a
        // ptrace stop is held in a group stop.
        if (ids.IsCaller) rest[0] = "R";
        else if (rest[0] == "t") rest[0] = "T";
        Set(4, ids.PPid);
        Set(5, ids.Pgrp);
        Set(6, ids.Session);
        if (rest.Length > 5 && rest[5] != "-1") Set(8, ids.Tpgid);
        // Field 7, tty_nr: a pty under the guests' own number (major 136 onwards, minor the number mod 256).
        if (guestPty != null && rest.Length > 4 && int.TryParse(rest[4], NumberStyles.Integer, Inv, out int tty))
        {
            uint major = (uint)((tty >> 8) & 0xfff), minor = (uint)((tty & 0xff) | ((tty >> 12) & 0xfff00));
            if (major is >= 136 and <= 143 && guestPty((major - 136) * 256 + minor) is { } g)
                Set(7, (int)(((136 + g / 256) << 8) | (g % 256)));
        }
        return $"{ids.Pid.ToString(Inv)} ({name}) {string.Join(' ', rest)}\n";
    }

    /// <summary>/proc/PID/fdinfo/FD from the host's, with the mnt_id and ino lines of the guest's file.</summary>
    public static string FdInfo(string hostInfo, int mountId, ulong ino)
    {
        var sb = new StringBuilder(hostInfo.Length);
        foreach (string line in hostInfo.Split('\n'))
        {
            if (line.Length == 0) continue;
            if (line.StartsWith("mnt_id:", StringComparison.Ordinal)) sb.Append("mnt_id:\t").Append(mountId.ToString(Inv));
            else if (line.StartsWith("ino:", StringComparison.Ordinal)) sb.Append("ino:\t").Append(ino.ToString(Inv));
            else sb.Append(line);
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The host's process group, session and terminal process group (fields 5, 6 and 8) from a host stat line.</summary>
    public static (int Pgrp, int Session, int Tpgid) HostGroupIds(string hostStat)
    {
        int close = hostStat.LastIndexOf(')');
        if (close < 0) return (0, 0, 0);
        string[] rest = hostStat[(close + 1)..].Trim().Split(' ');
        int Field(int n) => rest.Length > n - 3 && int.TryParse(rest[n - 3], NumberStyles.AllowLeadingSign, Inv, out int v) ? v : 0;
        return (Field(5), Field(6), Field(8));
    }

    /// <summary>
    /// /proc/PID/maps from the host's: a mapping of a memfd the kernel made for a VFS file names that file's
    /// guest path, device and inode instead of "/memfd:NAME (deleted)". Nothing else is hidden.
    /// </summary>
    public static string Maps(string hostMaps, Func<ulong, ulong, Dentry?> identify)
    {
        var sb = new StringBuilder(hostMaps.Length);
        foreach (string line in hostMaps.Split('\n'))
        {
            if (line.Length == 0) continue;
            // address perms offset dev inode [pathname]; the first five fields are single-space separated.
            string[] f = line.Split(' ', 6);
            if (f.Length < 6 || !TryParseDev(f[3], out ulong dev) || !ulong.TryParse(f[4], NumberStyles.None, Inv, out ulong ino) || ino == 0
                || identify(dev, ino) is not { } dentry)
            {
                sb.Append(line).Append('\n');
                continue;
            }
            Inode inode = dentry.Inode;
            string head = $"{f[0]} {f[1]} {f[2]} {Abi.DevT.Major(inode.SuperBlock.Device):x2}:{Abi.DevT.Minor(inode.SuperBlock.Device):x2} {inode.Ino.ToString(Inv)}";
            // The kernel pads the pathname to column 73 (seq_pad); keep that shape.
            sb.Append(head).Append(' ', Math.Max(1, 73 - head.Length)).Append(dentry.Path).Append('\n');
        }
        return sb.ToString();
    }

    private static bool TryParseDev(string text, out ulong dev)
    {
        dev = 0;
        int colon = text.IndexOf(':');
        if (colon < 0
            || !uint.TryParse(text.AsSpan(0, colon), NumberStyles.HexNumber, Inv, out uint major)
            || !uint.TryParse(text.AsSpan(colon + 1), NumberStyles.HexNumber, Inv, out uint minor)) return false;
        dev = SuperBlock.MakeDev(major, minor);
        return true;
    }

    /// <summary>What /proc/mounts calls a filesystem's source device.</summary>
    private static string Source(Mount m) => m.MountPoint == "/" ? "/dev/root" : m.SuperBlock.TypeName;

    private static string Options(Mount m) => (m.IsReadOnly ? "ro" : "rw") + (m.SuperBlock.TypeName == "proc" ? ",nosuid,nodev,noexec,relatime" : ",relatime");

    /// <summary>/proc/PID/mounts (and /proc/mounts): one fstab-like line per mount.</summary>
    public static string Mounts(IReadOnlyList<Mount> mounts)
    {
        var sb = new StringBuilder();
        foreach (Mount m in mounts)
            sb.Append($"{Source(m)} {Escape(m.MountPoint)} {m.SuperBlock.TypeName} {Options(m)} 0 0\n");
        return sb.ToString();
    }

    /// <summary>
    /// /proc/PID/mountinfo: "id parent major:minor root mountpoint options - type source superoptions". Mount ids
    /// are the kernel's (statx's stx_mnt_id): the position in the table, from 1; the root is its own parent.
    /// </summary>
    public static string MountInfo(IReadOnlyList<Mount> mounts)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < mounts.Count; i++)
        {
            Mount m = mounts[i];
            int parent = i == 0 ? 1 : ParentOf(mounts, i) + 1;
            ulong dev = m.SuperBlock.Device;
            sb.Append($"{i + 1} {parent} {Abi.DevT.Major(dev)}:{Abi.DevT.Minor(dev)} / {Escape(m.MountPoint)} {Options(m)} - {m.SuperBlock.TypeName} {Source(m)} {(m.SuperBlock.ReadOnly ? "ro" : "rw")}\n");
        }
        return sb.ToString();
    }

    /// <summary>The index of the latest earlier mount whose mount point holds mount <paramref name="i"/>'s.</summary>
    private static int ParentOf(IReadOnlyList<Mount> mounts, int i)
    {
        string point = mounts[i].MountPoint;
        for (int j = i - 1; j >= 0; j--)
        {
            string p = mounts[j].MountPoint;
            if (p == "/" || point.StartsWith(p + "/", StringComparison.Ordinal)) return j;
        }
        return 0;
    }

    /// <summary>Spaces, tabs, newlines and backslashes in a mount point are octal escapes, as the kernel writes them.</summary>
    private static string Escape(string path)
    {
        var sb = new StringBuilder(path.Length);
        foreach (char c in path)
        {
            if (c is ' ' or '\t' or '\n' or '\\') sb.Append('\\').Append(Convert.ToString(c, 8).PadLeft(3, '0'));
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
