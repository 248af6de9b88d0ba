using UserKernel.Kernel.Abi;
using UserKernel.SyscallBridge.Tracing;
using Xunit;

namespace UserKernel.SyscallBridge.Tests;

/// <summary>
/// Decoding waitpid statuses of a seized tracee. The status words are built as Linux builds them (kernel/exit.c,
/// kernel/ptrace.c) and as glibc's W_EXITCODE and W_STOPCODE spell them (waitpid(2), ptrace(2) "Stopped states").
/// </summary>
public class PtraceStopTests
{
    private const int WCOREFLAG = 0x80;
    private const int PTRACE_EVENT_FORK = 1, PTRACE_EVENT_VFORK = 2, PTRACE_EVENT_CLONE = 3, PTRACE_EVENT_EXEC = 4,
        PTRACE_EVENT_VFORK_DONE = 5, PTRACE_EVENT_EXIT = 6, PTRACE_EVENT_SECCOMP = 7, PTRACE_EVENT_STOP = 128;

    /// <summary>A normal exit: the code in bits 8-15, 0 below.</summary>
    private static int W_EXITCODE(int code, int sig) => (code << 8) | sig;

    /// <summary>A stop: the signal in bits 8-15, 0x7f below.</summary>
    private static int W_STOPCODE(int sig) => (sig << 8) | 0x7f;

    /// <summary>A ptrace event stop: status>>8 == (SIGTRAP | event<<8); PTRACE_EVENT_STOP carries the stopping signal instead.</summary>
    private static int EventStop(int ev, int sig = Signals.SIGTRAP) => W_STOPCODE(sig | (ev << 8));

    private static void AssertDecodes(int status, string kind, int signal = 0, int exitCode = 0)
    {
        PtraceStop stop = PtraceStop.Decode(status);
        Assert.Equal(kind, stop.Kind.ToString());
        Assert.Equal(signal, stop.Signal);
        Assert.Equal(exitCode, stop.ExitCode);
    }

    [Fact]
    public void A_syscall_stop_with_TRACESYSGOOD_is_a_syscall_exit()
    {
        AssertDecodes(W_STOPCODE(Signals.SIGTRAP | 0x80), "SyscallExit");
    }

    [Fact]
    public void A_seccomp_stop_is_the_SECCOMP_event()
    {
        AssertDecodes(EventStop(PTRACE_EVENT_SECCOMP), "SeccompStop", Signals.SIGTRAP);
    }

    [Theory]
    [InlineData(PTRACE_EVENT_FORK, "Fork")]
    [InlineData(PTRACE_EVENT_VFORK, "Vfork")]
    [InlineData(PTRACE_EVENT_CLONE, "Clone")]
    [InlineData(PTRACE_EVENT_EXEC, "Exec")]
    [InlineData(PTRACE_EVENT_EXIT, "ExitEvent")]
    [InlineData(PTRACE_EVENT_VFORK_DONE, "VforkDone")]
    public void Fork_vfork_clone_exec_and_exit_events_are_named(int ev, string kind)
    {
        AssertDecodes(EventStop(ev), kind, Signals.SIGTRAP);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(9)]
    public void Events_the_kernel_never_asks_for_are_other_never_a_signal_or_an_exit(int ev)
    {
        // No option of the tracer's asks for these: seeing one is a kernel bug, logged loudly. (PTRACE_O_TRACEEXIT and
        // TRACEVFORKDONE it sets on a thread once a guest traces it.)
        AssertDecodes(EventStop(ev), "Other", Signals.SIGTRAP);
    }

    [Theory]
    [InlineData(Signals.SIGSTOP)]
    [InlineData(Signals.SIGTSTP)]
    [InlineData(Signals.SIGTTIN)]
    [InlineData(Signals.SIGTTOU)]
    public void A_group_stop_of_a_seized_tracee_is_the_STOP_event_with_a_stopping_signal(int sig)
    {
        AssertDecodes(EventStop(PTRACE_EVENT_STOP, sig), "GroupStop", sig);
    }

    [Fact]
    public void The_STOP_event_with_SIGTRAP_is_an_interrupt_or_a_new_child_not_a_group_stop()
    {
        AssertDecodes(EventStop(PTRACE_EVENT_STOP, Signals.SIGTRAP), "EventStop", Signals.SIGTRAP);
    }

    [Theory]
    [InlineData(Signals.SIGUSR1)]
    [InlineData(Signals.SIGCHLD)]
    [InlineData(Signals.SIGSTOP)]   // before it becomes a group-stop, SIGSTOP is delivered like any signal
    [InlineData(Signals.SIGTRAP)]   // without 0x80: a breakpoint or a kill(SIGTRAP), not a syscall stop
    [InlineData(Signals.SIGSYS)]
    [InlineData(64)]                // SIGRTMAX
    public void A_signal_delivery_stop_carries_its_signal(int sig)
    {
        AssertDecodes(W_STOPCODE(sig), "SignalDelivery", sig);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(127)]
    [InlineData(255)]
    public void An_exit_carries_its_code(int code)
    {
        AssertDecodes(W_EXITCODE(code, 0), "Exited", exitCode: code);
    }

    [Theory]
    [InlineData(Signals.SIGKILL, false)]
    [InlineData(Signals.SIGSEGV, true)]
    [InlineData(Signals.SIGSYS, true)]      // what SECCOMP_RET_KILL_PROCESS ends a process with
    [InlineData(Signals.SIGTERM, false)]
    [InlineData(64, false)]
    public void A_death_by_signal_carries_the_signal_with_or_without_a_core(int sig, bool core)
    {
        AssertDecodes(W_EXITCODE(0, sig) | (core ? WCOREFLAG : 0), "Killed", sig);
    }
}
