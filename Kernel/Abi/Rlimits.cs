namespace UserKernel.Kernel.Abi;

/// <summary>The resources of getrlimit(2) and prlimit(2), by their numbers.</summary>
public static class Rlimits
{
    public static readonly string[] Names =
    [
        "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE",
        "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
    ];
}

/// <summary>struct rlimit (getrlimit(2)).</summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
public struct Rlimit
{
    public const int RLIMIT_FSIZE = 1, RLIMIT_NOFILE = 7;
    public const ulong RLIM_INFINITY = ulong.MaxValue;

    public ulong rlim_cur;
    public ulong rlim_max;
}
