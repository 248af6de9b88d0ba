namespace UserKernel.Kernel.Guest;

/// <summary>
/// The per-thread files of proc(5) whose facts only the host knows (memory, times, signals, scheduling): the kernel
/// starts from the host's text and rewrites what names the guest (<see cref="Filesystems.Proc.ProcRender"/>).
/// </summary>
public enum GuestProcFile
{
    /// <summary>/proc/PID/status.</summary>
    Status,

    /// <summary>/proc/PID/stat.</summary>
    Stat,

    /// <summary>/proc/PID/statm.</summary>
    Statm,

    /// <summary>/proc/PID/maps.</summary>
    Maps,

    /// <summary>/proc/PID/oom_score.</summary>
    OomScore,

    /// <summary>/proc/PID/comm: the name prctl(PR_SET_NAME) set, which the host holds.</summary>
    Comm,
}
