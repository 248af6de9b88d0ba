namespace UserKernel.Kernel.Tasks;

/// <summary>
/// The capabilities of capabilities(7) that the kernel's checks ask for, and the sets' arithmetic. A set is a
/// 64-bit mask with bit N for capability N, as capget(2) and /proc/PID/status show it.
/// </summary>
public static class Capabilities
{
    public const int CAP_CHOWN = 0, CAP_DAC_OVERRIDE = 1, CAP_DAC_READ_SEARCH = 2, CAP_FOWNER = 3, CAP_FSETID = 4,
        CAP_KILL = 5, CAP_SETGID = 6, CAP_SETUID = 7, CAP_SETPCAP = 8, CAP_LINUX_IMMUTABLE = 9, CAP_NET_BIND_SERVICE = 10, CAP_SYS_CHROOT = 18, CAP_SYS_PTRACE = 19, CAP_SYS_ADMIN = 21,
        CAP_MKNOD = 27, CAP_MAC_OVERRIDE = 32;

    /// <summary>CAP_CHECKPOINT_RESTORE, the last capability since Linux 5.9.</summary>
    public const int CAP_LAST_CAP = 40;

    /// <summary>Every capability: root's permitted and effective sets, and the guest's bounding set.</summary>
    public const ulong All = (1UL << (CAP_LAST_CAP + 1)) - 1;

    /// <summary>CAP_FS_MASK: the capabilities that follow the filesystem uid in and out of 0.</summary>
    public const ulong FileSystem = 1UL << CAP_CHOWN | 1UL << CAP_DAC_OVERRIDE | 1UL << CAP_DAC_READ_SEARCH | 1UL << CAP_FOWNER
        | 1UL << CAP_FSETID | 1UL << CAP_LINUX_IMMUTABLE | 1UL << CAP_MKNOD | 1UL << CAP_MAC_OVERRIDE;

    /// <summary>The capabilities' names by number, as capabilities(7) and the OCI runtime spec spell them.</summary>
    public static readonly string[] Names =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID",
        "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
        "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
        "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    public static bool Has(ulong set, int cap) => (set & (1UL << cap)) != 0;
}
