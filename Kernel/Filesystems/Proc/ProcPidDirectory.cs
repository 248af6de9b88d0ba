using System;
using System.Collections.Generic;
using System.Globalization;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;
using Task = UserKernel.Kernel.Tasks.Task;

namespace UserKernel.Kernel.Filesystems.Proc;

/// <summary>
/// /proc/PID and /proc/PID/task/TID: a guest process (or thread) seen through the platform's view of it
/// (<see cref="IGuestTaskView"/>, from <see cref="GuestKernel.Platform"/>). Ids, names, paths and credentials are the
/// guest's; what only the host knows (memory, times, descriptors) is asked of the view and translated where it names
/// something of the guest's. Nothing here reads the host's /proc itself, so a fake platform renders a fake task.
/// </summary>
internal static class ProcPidDirectory
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>What an inode of a pid directory is (its number holds it).</summary>
    private enum Kind
    {
        Directory, Task, Fd, FdInfo, Environ, Status, Comm, Cmdline, Stat, Statm, Maps, Cwd, Root, Exe, Mounts, MountInfo,
        FdLink, FdInfoFile, OomScore, OomScoreAdj, Cgroup, Auxv,
    }

    /// <summary>Inode numbers: the id in the high half, the entry kind and a descriptor number below.</summary>
    public static ulong Ino(int id, int kind, int fd = 0) => ((ulong)(uint)id << 32) | ((ulong)kind << 24) | (uint)(fd & 0xFFFFFF);

    /// <summary>The directory of <paramref name="group"/> (and, for a thread's, of <paramref name="task"/>).</summary>
    public static Inode Make(ProcSuperBlock sb, ThreadGroup group, Task? task, ulong parentIno, bool isThread)
    {
        int id = isThread && task != null ? task.Tid : group.Tgid;
        int hostId = isThread && task != null ? task.HostTid : group.HostTgid;
        uint uid = group.Credentials.Uid, gid = group.Credentials.Gid;
        ulong dirIno = Ino(id, (int)Kind.Directory);
        IGuestTaskView guest = isThread && task != null ? sb.Kernel.Platform.ViewOf(task) : sb.Kernel.Platform.ViewOf(group);
        var view = new View(sb, group, guest, id, hostId, uid, gid);
        return new ProcDirectory(sb, dirIno, parentIno, uid, gid, () => view.Entries(dirIno, isThread), name => view.Lookup(name, dirIno, isThread));
    }

    /// <summary>The names of a pid directory in Linux's order (tgid_base_stuff); a thread's directory has no "task".</summary>
    private static readonly (Kind Kind, string Name, byte Type)[] DirectoryNames =
    [
        (Kind.Task, "task", ProcSuperBlock.DT_DIR),
        (Kind.Fd, "fd", ProcSuperBlock.DT_DIR),
        (Kind.FdInfo, "fdinfo", ProcSuperBlock.DT_DIR),
        (Kind.Environ, "environ", ProcSuperBlock.DT_REG),
        (Kind.Auxv, "auxv", ProcSuperBlock.DT_REG),
        (Kind.Status, "status", ProcSuperBlock.DT_REG),
        (Kind.Comm, "comm", ProcSuperBlock.DT_REG),
        (Kind.Cmdline, "cmdline", ProcSuperBlock.DT_REG),
        (Kind.Stat, "stat", ProcSuperBlock.DT_REG),
        (Kind.Statm, "statm", ProcSuperBlock.DT_REG),
        (Kind.Maps, "maps", ProcSuperBlock.DT_REG),
        (Kind.Cwd, "cwd", ProcSuperBlock.DT_LNK),
        (Kind.Root, "root", ProcSuperBlock.DT_LNK),
        (Kind.Exe, "exe", ProcSuperBlock.DT_LNK),
        (Kind.Mounts, "mounts", ProcSuperBlock.DT_REG),
        (Kind.MountInfo, "mountinfo", ProcSuperBlock.DT_REG),
        (Kind.Cgroup, "cgroup", ProcSuperBlock.DT_REG),
        (Kind.OomScore, "oom_score", ProcSuperBlock.DT_REG),
        (Kind.OomScoreAdj, "oom_score_adj", ProcSuperBlock.DT_REG),
    ];

    /// <summary>What every entry of one pid directory needs to render itself.</summary>
    /// <param name="hostId">The host id of the thread, or of the process, only to tell whether it is the caller.</param>
    private sealed class View(ProcSuperBlock sb, ThreadGroup group, IGuestTaskView guest, int id, int hostId, uint uid, uint gid)
    {
        private GuestKernel Kernel => sb.Kernel;

        public IReadOnlyList<ProcEntry> Entries(ulong dirIno, bool isThread)
        {
            var list = new List<ProcEntry>(DirectoryNames.Length);
            foreach ((Kind kind, string name, byte type) in DirectoryNames)
            {
                if (isThread && kind == Kind.Task) continue;
                ulong ino = Ino(id, (int)kind);
                list.Add(new ProcEntry(name, ino, type, 2 + list.Count, () => MakeEntry(kind, ino, dirIno)));
            }
            return list;
        }

        /// <summary>One name of the directory, made without listing the others (a path walk asks for one at a time).</summary>
        public Inode? Lookup(string name, ulong dirIno, bool isThread)
        {
            foreach ((Kind kind, string entry, _) in DirectoryNames)
                if (entry == name) return isThread && kind == Kind.Task ? null : MakeEntry(kind, Ino(id, (int)kind), dirIno);
            return null;
        }

        private Inode MakeEntry(Kind kind, ulong ino, ulong dirIno)
        {
            ProcFile File(Func<string> render, uint permissions = 0x124) => new(sb, ino, uid, gid, render, permissions);
            ProcSymlink Link(Func<Result<string>> target) => new(sb, ino, uid, gid, target);
            return kind switch
            {
                Kind.Task => TaskDirectory(ino, dirIno),
                Kind.Fd => new ProcDirectory(sb, ino, dirIno, uid, gid, () => Descriptors(ino)),
                Kind.FdInfo => new ProcDirectory(sb, ino, dirIno, uid, gid, () => DescriptorInfos()),
                Kind.Environ => File(() => ReadGuestMemory(group.EnvironmentArea), 0x100 /* 0400 */),
                Kind.Auxv => File(() => ReadGuestMemory(group.AuxvArea), 0x100 /* 0400 */),
                Kind.Status => File(() => ProcRender.Status(guest.ProcText(GuestProcFile.Status), Name(), Ids())),
                Kind.Comm => File(() => Name() + "\n"),
                Kind.Cmdline => File(() => ReadGuestMemory(group.ArgumentArea)),
                Kind.Stat => File(() => ProcRender.Stat(guest.ProcText(GuestProcFile.Stat), Name(), Ids(), Kernel.Terminals.GuestNumber)),
                Kind.Statm => File(() => guest.ProcText(GuestProcFile.Statm)),
                Kind.Maps => File(() => ProcRender.Maps(guest.ProcText(GuestProcFile.Maps), Kernel.HostFiles.IdentifyHostObject)),
                Kind.Cwd => Link(() => group.Fs.Cwd.Path),
                Kind.Root => Link(() => group.Fs.Root.Path),
                Kind.Exe => Link(() => group.Executable is { } exe ? exe.Path : Errno.ENOENT),
                Kind.Mounts => File(() => ProcRender.Mounts(Kernel.Mounts.Mounts)),
                Kind.MountInfo => File(() => ProcRender.MountInfo(Kernel.Mounts.Mounts)),
                // The guest has no cgroups of its own: it sees itself at the root of a cgroup namespace, as a container does.
                Kind.Cgroup => File(() => "0::/\n"),
                Kind.OomScore => File(() => guest.ProcText(GuestProcFile.OomScore)),
                Kind.OomScoreAdj => new ProcFile(sb, ino, uid, gid, () => group.OomScoreAdj.Value.ToString(Inv) + "\n", 0x1A4 /* 0644 */, group.OomScoreAdj.WrittenThrough),
                _ => throw new ArgumentOutOfRangeException(nameof(kind)),
            };
        }

        /// <summary>/proc/PID/task: one directory per live thread of the process.</summary>
        private ProcDirectory TaskDirectory(ulong taskIno, ulong dirIno) => new(sb, taskIno, dirIno, uid, gid, () =>
        {
            var entries = new List<ProcEntry>();
            var threads = new List<Task>(group.Threads);
            threads.Sort((a, b) => a.Tid.CompareTo(b.Tid));
            foreach (Task t in threads)
            {
                Task thread = t;
                entries.Add(new ProcEntry(t.Tid.ToString(Inv), Ino(t.Tid, (int)Kind.Directory), ProcSuperBlock.DT_DIR, 2 + t.Tid,
                    () => Make(sb, group, thread, taskIno, isThread: true)));
            }
            return entries;
        });

        /// <summary>The task's name: the host's, which the loader set to the guest's at exec and prctl(PR_SET_NAME) changes.</summary>
        private string Name()
        {
            string hostComm = guest.ProcText(GuestProcFile.Comm).TrimEnd('\n');
            return hostComm.Length == 0 ? group.Comm : hostComm;
        }

        private ProcIds Ids()
        {
            (int pgrp, int session, int tpgid) = ProcRender.HostGroupIds(guest.ProcText(GuestProcFile.Stat));
            int ppid = group.Parent?.Tgid ?? (group.Tgid == 1 ? 0 : 1);
            return new ProcIds(group.Tgid, id, ppid, Kernel.Pids.ToGuest(pgrp), Kernel.Pids.ToGuest(session),
                tpgid <= 0 ? tpgid : Kernel.Pids.ToGuest(tpgid), group.Credentials, Math.Max(group.Threads.Count, 1),
                IsCaller: Kernel.CurrentTask?.HostTid == hostId, Ptrace: Kernel.Pids.ByGuest(id)?.Ptrace);
        }

        /// <summary>
        /// The argument or environment strings where exec put them, read live from the process's memory (a program
        /// may rewrite them, as setproctitle does). The host's own cmdline names the stub's, not the loader's, area.
        /// </summary>
        private string ReadGuestMemory((ulong Start, ulong End) area)
        {
            if (area.Start == 0 || area.End <= area.Start || area.End - area.Start > 1 << 20) return "";
            byte[] bytes = new byte[area.End - area.Start];
            int done = 0;
            while (done < bytes.Length)
            {
                int n = guest.Memory.ReadUpTo(new GuestPtr(area.Start + (ulong)done), bytes.AsSpan(done));
                if (n <= 0) break;
                done += n;
            }
            return Names.FromBytes(bytes.AsSpan(0, done));
        }

        /// <summary>/proc/PID/fd: a symlink per descriptor, to the guest path of a VFS file or to what the host shows (pipe:[N]).</summary>
        private IReadOnlyList<ProcEntry> Descriptors(ulong fdDirIno)
        {
            var entries = new List<ProcEntry>();
            foreach (int fd in guest.Descriptors.Numbers())
            {
                int n = fd;
                ulong ino = Ino(id, (int)Kind.FdLink, fd);
                entries.Add(new ProcEntry(fd.ToString(Inv), ino, ProcSuperBlock.DT_LNK, 2 + fd, () => new ProcSymlink(sb, ino, uid, gid, () => DescriptorTarget(n), () => DescriptorObject(n))));
            }
            return entries;
        }

        /// <summary>
        /// A descriptor that is no VFS file is a magic link to the host object itself; so is one of a VFS file with no
        /// name left (O_TMPFILE, unlinked), whose path leads nowhere: linkat(AT_SYMLINK_FOLLOW) gives it one that way.
        /// </summary>
        private Dentry? DescriptorObject(int fd) => Kernel.HostFiles.Identify(guest.Descriptors, fd) is { } dentry
            ? (dentry.Inode.LinkCount == 0 && !dentry.Inode.IsDirectory ? dentry : null)
            : guest.Descriptors.HostObject(sb, fd) is { } host ? new Dentry(fd.ToString(Inv), null, host) : null;

        private Result<string> DescriptorTarget(int fd)
        {
            if (Kernel.HostFiles.Identify(guest.Descriptors, fd) is { } dentry)
                return dentry.Inode.LinkCount == 0 && !dentry.Inode.IsDirectory ? dentry.Path + " (deleted)" : dentry.Path;
            return guest.Descriptors.LinkTarget(fd) is { } target
                ? Kernel.Terminals.GuestPath(target) // a pty under the guests' number
                : Errno.ENOENT;
        }

        /// <summary>A descriptor's fdinfo: a VFS file's mount id and inode are the guest's (statx and mountinfo agree).</summary>
        private string DescriptorInfo(int fd)
        {
            string host = guest.Descriptors.Info(fd);
            if (Kernel.HostFiles.Identify(guest.Descriptors, fd) is not { } dentry) return host;
            return ProcRender.FdInfo(host, Kernel.MountIdOf(dentry.Inode.SuperBlock), dentry.Inode.Ino);
        }

        /// <summary>/proc/PID/fdinfo: the host's position, flags and the rest for each descriptor.</summary>
        private IReadOnlyList<ProcEntry> DescriptorInfos()
        {
            var entries = new List<ProcEntry>();
            foreach (int fd in guest.Descriptors.Numbers())
            {
                ulong ino = Ino(id, (int)Kind.FdInfoFile, fd);
                int n = fd;
                entries.Add(new ProcEntry(fd.ToString(Inv), ino, ProcSuperBlock.DT_REG, 2 + fd, () => new ProcFile(sb, ino, uid, gid, () => DescriptorInfo(n))));
            }
            return entries;
        }
    }
}
