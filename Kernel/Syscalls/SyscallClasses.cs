using System.Collections.Generic;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// What each syscall is about, in strace's vocabulary (the classes of `strace -e trace=%file` and its
/// siblings), for the listing and for readers. It is documentation only: nothing is dispatched or
/// filtered by class. One class per name; where strace puts a call in two classes, the list below says
/// which one wins. A name listed nowhere is "other" (strace's %desc calls on descriptors land there).
/// </summary>
public static class SyscallClasses
{
    /// <summary>The classes, in the order the listing explains them.</summary>
    public static IReadOnlyList<string> All { get; } =
        ["file", "process", "memory", "signal", "network", "ipc", "time", "identity", "other"];

    private static readonly Dictionary<string, string> ByName = Build();

    /// <summary>The class of a syscall name; "other" for a name not listed.</summary>
    public static string Of(string name) => ByName.TryGetValue(name, out string? c) ? c : "other";

    /// <summary>Every name the map classifies explicitly (for the test that each one is a real syscall).</summary>
    public static IEnumerable<string> ClassifiedNames => ByName.Keys;

    private static Dictionary<string, string> Build()
    {
        var map = new Dictionary<string, string>();
        void Add(string cls, params string[] names)
        {
            foreach (string n in names) map.Add(n, cls);
        }

        // strace %file: the call takes a file name. execve and execveat (also %file) are "process".
        Add("file",
            "open", "stat", "lstat", "access", "truncate", "getcwd", "chdir", "rename", "mkdir", "rmdir", "creat", "link",
            "unlink", "symlink", "readlink", "chmod", "chown", "lchown", "utime", "mknod", "uselib", "statfs", "pivot_root",
            "chroot", "acct", "mount", "umount2", "swapon", "swapoff", "quotactl", "setxattr", "lsetxattr", "getxattr",
            "lgetxattr", "listxattr", "llistxattr", "removexattr", "lremovexattr", "utimes", "inotify_add_watch", "openat",
            "mkdirat", "mknodat", "fchownat", "futimesat", "newfstatat", "unlinkat", "renameat", "linkat", "symlinkat",
            "readlinkat", "fchmodat", "faccessat", "utimensat", "fanotify_mark", "name_to_handle_at", "renameat2", "statx",
            "open_tree", "move_mount", "fspick", "openat2", "faccessat2", "mount_setattr", "fchmodat2", "setxattrat",
            "getxattrat", "listxattrat", "removexattrat", "open_tree_attr");

        // strace %process (create, exec, wait for, end a process), plus the pid, process-group and session calls.
        Add("process",
            "clone", "fork", "vfork", "execve", "exit", "wait4", "arch_prctl", "exit_group", "waitid", "unshare", "execveat",
            "clone3", "getpid", "getppid", "gettid", "setpgid", "getpgrp", "setsid", "getpgid", "getsid", "set_tid_address",
            "pidfd_open");

        // strace %memory, plus the other calls that manage mappings and memory policy.
        Add("memory",
            "mmap", "mprotect", "munmap", "brk", "mremap", "msync", "mincore", "madvise", "mlock", "munlock", "mlockall",
            "munlockall", "remap_file_pages", "mbind", "set_mempolicy", "get_mempolicy", "migrate_pages", "move_pages",
            "mlock2", "pkey_mprotect", "pkey_alloc", "pkey_free", "process_madvise", "memfd_secret", "process_mrelease",
            "set_mempolicy_home_node", "map_shadow_stack", "mseal");

        // strace %signal. kill, tkill and tgkill signal a process: "signal", as strace has them.
        Add("signal",
            "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "pause", "kill", "rt_sigpending", "rt_sigtimedwait",
            "rt_sigqueueinfo", "rt_sigsuspend", "sigaltstack", "tkill", "tgkill", "signalfd", "signalfd4",
            "rt_tgsigqueueinfo", "pidfd_send_signal");

        // strace %network (sendfile included, as strace has it).
        Add("network",
            "sendfile", "socket", "connect", "accept", "sendto", "recvfrom", "sendmsg", "recvmsg", "shutdown", "bind",
            "listen", "getsockname", "getpeername", "socketpair", "setsockopt", "getsockopt", "accept4", "recvmmsg",
            "sendmmsg");

        // strace %ipc (System V; shmat and shmdt, also %memory, are "ipc"), plus POSIX message queues.
        Add("ipc",
            "shmget", "shmat", "shmctl", "semget", "semop", "semctl", "shmdt", "msgget", "msgsnd", "msgrcv", "msgctl",
            "semtimedop", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr");

        // strace %clock, plus sleeps, interval timers and timerfds.
        Add("time",
            "nanosleep", "getitimer", "alarm", "setitimer", "gettimeofday", "times", "adjtimex", "settimeofday", "time",
            "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete", "clock_settime",
            "clock_gettime", "clock_getres", "clock_nanosleep", "timerfd_create", "timerfd_settime", "timerfd_gettime",
            "clock_adjtime");

        // strace %creds, plus capabilities and the host and domain names (uname).
        Add("identity",
            "getuid", "getgid", "setuid", "setgid", "geteuid", "getegid", "setreuid", "setregid", "getgroups", "setgroups",
            "setresuid", "getresuid", "setresgid", "getresgid", "setfsuid", "setfsgid", "capget", "capset", "uname",
            "sethostname", "setdomainname");

        return map;
    }
}
