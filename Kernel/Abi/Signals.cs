// Signal numbers of x86-64 Linux (include/uapi/asm/signal.h).
namespace UserKernel.Kernel.Abi;

/// <summary>Signal numbers and their names.</summary>
public static class Signals
{
    /// <summary>
    /// Whether the kernel itself filled si_pid (kill's SI_USER, tkill's SI_TKILL, a child's SIGCHLD), which the
    /// guest must see as a guest pid; any other si_pid (SI_QUEUE...) is what the sender wrote.
    /// </summary>
    public static bool KernelFillsSiPid(int signo, int code) => code is 0 /* SI_USER */ or -6 /* SI_TKILL */ || (signo == SIGCHLD && code > 0);

    public const int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7,
        SIGFPE = 8, SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14,
        SIGTERM = 15, SIGSTKFLT = 16, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21,
        SIGTTOU = 22, SIGURG = 23, SIGXCPU = 24, SIGXFSZ = 25, SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28,
        SIGIO = 29, SIGPWR = 30, SIGSYS = 31;

    private static readonly string[] names =
    [
        "0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
        "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
        "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
        "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    ];

    /// <summary>"SIGTERM" for 15; "SIGRT_3" for real-time signals.</summary>
    public static string Name(int sig) =>
        sig >= 0 && sig < names.Length ? names[sig] :
        sig >= 32 && sig <= 64 ? "SIGRT_" + (sig - 32).ToString(System.Globalization.CultureInfo.InvariantCulture) :
        sig.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Stop signals that put a thread group into group-stop.</summary>
    public static bool IsStopSignal(int sig) => sig is SIGSTOP or SIGTSTP or SIGTTIN or SIGTTOU;
}
