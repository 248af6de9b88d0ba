using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Syscalls;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;
using Task = UserKernel.Kernel.Tasks.Task;

namespace UserKernel.Kernel.Filesystems.Proc;

/// <summary>
/// The guest's /proc: synthetic files rendered at open time from the kernel's state. A directory per live
/// guest process (by guest pid), /proc/self and /proc/thread-self naming the caller, the host-wide facts
/// (cpuinfo, meminfo, uptime, loadavg, version, stat) passed through from the host, the filesystem types mount(2) takes, and
/// /proc/sys (<see cref="ProcSys"/>).
/// </summary>
public sealed class ProcSuperBlock : SuperBlock
{
    internal const byte DT_DIR = 4, DT_REG = 8, DT_LNK = 10;

    /// <summary>Host-wide files shown as the host has them.</summary>
    private static readonly string[] HostFilesPassedThrough = ["cpuinfo", "loadavg", "meminfo", "stat", "uptime", "version"];

    /// <summary>
    /// Host files shown only where the host has them: config.gz, the running kernel's configuration, which is the
    /// guests' kernel too for what the host does for them (programs and test suites read it to learn what is built in).
    /// </summary>
    private static readonly string[] HostFilesWhereTheHostHasThem = ["config.gz"];

    private readonly ProcDirectory root;
    private ProcEntry[]? fixedEntries; // made at the first lookup or listing, not at mount: a run may never look

    public ProcSuperBlock(GuestKernel kernel, ulong device) : base(device)
    {
        Kernel = kernel;
        MountTime = new Timespec(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 0);
        root = new ProcDirectory(this, RootIno, RootIno, 0, 0, RootEntries, LookupRoot);
    }

    internal GuestKernel Kernel { get; }
    internal Timespec MountTime { get; }

    public override Inode Root => root;
    public override string TypeName => "proc";
    public override long Magic => 0x9fa0; // PROC_SUPER_MAGIC

    private const ulong RootIno = 1;

    /// <summary>Inode numbers of the global names (and the sys tree) are small; a process's are derived from its pid.</summary>
    private static ulong GlobalIno(int index) => 2 + (ulong)index;

    /// <summary>The names /proc always has, made once: which host files exist does not change during a run.</summary>
    private ProcEntry[] FixedEntries()
    {
        var list = new List<ProcEntry>();
        int index = 0;
        foreach (string name in HostFilesPassedThrough.Concat(HostFilesWhereTheHostHasThem.Where(n => File.Exists("/proc/" + n))))
        {
            string hostPath = "/proc/" + name;
            ulong ino = GlobalIno(index++);
            list.Add(new ProcEntry(name, ino, DT_REG, 0, () => new ProcFile(this, ino, 0, 0, () => ReadHost(hostPath))));
        }
        // The types mount(2) takes: the kernel's registry (its own and the extensions'), none backed by a block device.
        ulong filesystemsIno = GlobalIno(index++);
        list.Add(new ProcEntry("filesystems", filesystemsIno, DT_REG, 0, () => new ProcFile(this, filesystemsIno, 0, 0,
            () => string.Concat(Kernel.Registry.FilesystemNames.Select(n => "nodev\t" + n + "\n")))));
        ulong mountsIno = GlobalIno(index++), sysIno = GlobalIno(index++), selfIno = GlobalIno(index++), threadSelfIno = GlobalIno(index++);
        list.Add(new ProcEntry("mounts", mountsIno, DT_LNK, 0, () => new ProcSymlink(this, mountsIno, 0, 0, () => "self/mounts")));
        list.Add(new ProcEntry("sys", sysIno, DT_DIR, 0, () => SysDirectory(sysIno)));
        list.Add(new ProcEntry("self", selfIno, DT_LNK, 0, () => new ProcSymlink(this, selfIno, 0, 0, SelfTarget)));
        list.Add(new ProcEntry("thread-self", threadSelfIno, DT_LNK, 0, () => new ProcSymlink(this, threadSelfIno, 0, 0, ThreadSelfTarget)));
        // Fixed names in alphabetical order, at positions 2, 3, ... after "." and "..".
        list.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        for (int i = 0; i < list.Count; i++) list[i] = list[i] with { Position = 2 + i };
        return list.ToArray();
    }

    private IReadOnlyList<ProcEntry> RootEntries()
    {
        var list = new List<ProcEntry>(fixedEntries ??= FixedEntries());
        // Linux lists the processes after the fixed names, at positions past them derived from the pid.
        var leaders = new SortedDictionary<int, ThreadGroup>();
        foreach (Task t in Kernel.Pids.All)
            if (t.Tid == t.Group.Tgid) leaders[t.Group.Tgid] = t.Group;
        foreach ((int tgid, ThreadGroup g) in leaders)
        {
            ThreadGroup group = g;
            list.Add(new ProcEntry(tgid.ToString(CultureInfo.InvariantCulture), ProcPidDirectory.Ino(tgid, 0), DT_DIR, PidPosition + tgid,
                () => ProcPidDirectory.Make(this, group, group.Threads.Count > 0 ? group.Threads[0] : null, RootIno, isThread: false)));
        }
        return list;
    }

    private const long PidPosition = 256; // TGID_OFFSET-like: every fixed name comes before the first pid

    /// <summary>One name of /proc, found without listing the rest: a fixed name, else a pid.</summary>
    private Inode? LookupRoot(string name)
    {
        foreach (ProcEntry entry in fixedEntries ??= FixedEntries())
            if (entry.Name == name) return entry.Make();
        return LookupPid(name);
    }

    /// <summary>/proc/N for a guest pid N, or a thread id (Linux finds those too, though it does not list them).</summary>
    private Inode? LookupPid(string name)
    {
        if (name.Length == 0 || name[0] is < '1' or > '9' || !int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int id)) return null;
        Task? task = Kernel.Pids.ByGuest(id);
        if (task == null) return null;
        return ProcPidDirectory.Make(this, task.Group, task, RootIno, isThread: task.Tid != task.Group.Tgid);
    }

    private Result<string> SelfTarget() =>
        Kernel.CurrentTask is { } t ? t.Group.Tgid.ToString(CultureInfo.InvariantCulture) : Errno.ENOENT;

    private Result<string> ThreadSelfTarget() =>
        Kernel.CurrentTask is { } t ? $"{t.Group.Tgid.ToString(CultureInfo.InvariantCulture)}/task/{t.Tid.ToString(CultureInfo.InvariantCulture)}" : Errno.ENOENT;

    /// <summary>/proc/sys and its directories, made from the paths of <see cref="ProcSys.Entries"/>.</summary>
    private ProcDirectory SysDirectory(ulong sysIno) => SysDirectory(sysIno, RootIno, "");

    private ProcDirectory SysDirectory(ulong dirIno, ulong parentIno, string prefix) => new(this, dirIno, parentIno, 0, 0, () =>
    {
        var entries = new List<ProcEntry>();
        for (int i = 0; i < ProcSys.Entries.Length; i++)
        {
            ProcSys.Entry entry = ProcSys.Entries[i];
            if (!entry.Path.StartsWith(prefix, StringComparison.Ordinal)) continue;
            int slash = entry.Path.IndexOf('/', prefix.Length);
            string name = slash < 0 ? entry.Path[prefix.Length..] : entry.Path[prefix.Length..slash];
            if (entries.Count > 0 && entries[^1].Name == name) continue;
            // A directory's number is its first file's, offset past the files' and those of the directories above it.
            ulong ino = GlobalIno(100 + i + (slash < 0 ? 0 : (prefix.AsSpan().Count('/') + 1) * ProcSys.Entries.Length));
            long position = 2 + entries.Count;
            entries.Add(slash < 0
                ? new ProcEntry(name, ino, DT_REG, position, () => new ProcFile(this, ino, 0, 0, () => entry.Value(Kernel) + "\n", entry.Permissions))
                : new ProcEntry(name, ino, DT_DIR, position, () => SysDirectory(ino, dirIno, entry.Path[..(slash + 1)])));
        }
        return entries;
    });

    /// <summary>A host file's text, or "" if the host does not have it (a process that has just gone).</summary>
    internal static string ReadHost(string path)
    {
        try { return Names.FromBytes(File.ReadAllBytes(path)); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return ""; }
    }
}
