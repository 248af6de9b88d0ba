using System;
using System.Collections.Generic;
using System.Globalization;
using UserKernel.Kernel.Tasks;

namespace UserKernel.Kernel.Filesystems.Proc;

/// <summary>
/// /proc/sys: the sysctl files programs commonly read. What the guest's kernel decides (names, pid and task limits,
/// capabilities, ids) is its own; what the host decides for the guest's objects (descriptor, pipe and inotify limits:
/// guests' descriptors, pipes and inotify instances are the host's) is read from the host's file. Writes are not
/// taken: the files are shown with Linux's modes, but the guest's root is no host administrator.
/// </summary>
internal static class ProcSys
{
    private const uint ReadOnly = 0x124 /* 0444 */, ReadWrite = 0x1A4 /* 0644 */;

    /// <summary>One sysctl file: its path under /proc/sys, its mode, and its text (without the final newline).</summary>
    internal readonly record struct Entry(string Path, uint Permissions, Func<GuestKernel, string> Value);

    /// <summary>A random boot id for the run, as a kernel has one per boot.</summary>
    private static readonly string BootId = Guid.NewGuid().ToString();

    private static string Host(string path) => ProcSuperBlock.ReadHost("/proc/sys/" + path).TrimEnd('\n');

    private static Entry FromHost(string path, uint permissions = ReadWrite) => new(path, permissions, _ => Host(path));

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>The files, in path order within each directory.</summary>
    internal static readonly Entry[] Entries =
    [
        FromHost("fs/aio-max-nr"),
        FromHost("fs/file-max"),
        FromHost("fs/file-nr", ReadOnly),
        FromHost("fs/inotify/max_queued_events"),
        FromHost("fs/inotify/max_user_instances"),
        FromHost("fs/inotify/max_user_watches"),
        FromHost("fs/nr_open"),
        FromHost("fs/pipe-max-size"),
        FromHost("fs/pipe-user-pages-hard"),
        FromHost("fs/pipe-user-pages-soft"),
        new("kernel/cap_last_cap", ReadOnly, _ => I(Capabilities.CAP_LAST_CAP)),
        FromHost("kernel/core_pattern"), // the host dumps a guest's core, by its own pattern
        FromHost("kernel/core_uses_pid"),
        new("kernel/domainname", ReadWrite, k => k.UtsName.Domainname),
        new("kernel/hostname", ReadWrite, k => k.UtsName.Nodename),
        new("kernel/ngroups_max", ReadOnly, _ => "65536"), // NGROUPS_MAX, setgroups' limit
        new("kernel/osrelease", ReadOnly, k => k.UtsName.Release),
        new("kernel/ostype", ReadOnly, k => k.UtsName.Sysname),
        new("kernel/overflowgid", ReadWrite, _ => "65534"),
        new("kernel/overflowuid", ReadWrite, _ => "65534"),
        new("kernel/pid_max", ReadWrite, _ => I(PidTable.PidMax)),
        new("kernel/random/boot_id", ReadOnly, _ => BootId),
        new("kernel/random/entropy_avail", ReadOnly, _ => "256"), // Linux 5.18 on: always the full pool
        new("kernel/random/poolsize", ReadOnly, _ => "256"),
        new("kernel/random/uuid", ReadOnly, _ => Guid.NewGuid().ToString()),
        FromHost("kernel/tainted"),
        new("kernel/threads-max", ReadWrite, k => I(k.Options.PidsLimit)), // fork and clone past it: EAGAIN
        new("kernel/version", ReadOnly, k => k.UtsName.Version),
        FromHost("vm/max_map_count"),
        FromHost("vm/min_free_kbytes"),
        FromHost("vm/overcommit_memory"),
    ];
}
