using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Syscalls;
using UserKernel.Kernel.Tasks;
using Xunit;
using Task = UserKernel.Kernel.Tasks.Task;

namespace UserKernel.Kernel.Tests;

/// <summary>Guest ptrace's decisions: who may trace whom, the requests a link allows, and a tracer's wait.</summary>
public sealed class PtraceTests : IDisposable
{
    private const int NR_ptrace = (int)Sysno.ptrace, NR_wait4 = (int)Sysno.wait4, NR_process_vm_readv = (int)Sysno.process_vm_readv;
    private const ulong PTRACE_CONT = 7, PTRACE_SETOPTIONS = 0x4200, PTRACE_SEIZE = 0x4206, PTRACE_INTERRUPT = 0x4207;
    // Host pids no process has: nothing the kernel sends to them reaches anyone.
    private const int ChildHost = 4_000_001, GrandchildHost = 4_000_002;
    private readonly GuestKernel kernel;
    private readonly Task init, child, grandchild;
    private readonly FakeGuestThread thread = new(Environment.ProcessId);
    private readonly FakePlatform platform = new();

    public PtraceTests()
    {
        kernel = new GuestKernel(new TreeFileSystem(), new KernelOptions()) { PtracePlatform = platform };
        // The tracer is this test process on the host, so the SIGCHLD a report sends it goes nowhere else.
        Assert.True(kernel.StartInit(Environment.ProcessId).TryGet(out Task? task, out _));
        init = task;
        child = kernel.OnClone(init, thread, ChildHost);
        grandchild = kernel.OnClone(child, thread, GrandchildHost);
    }

    public void Dispose() => kernel.Dispose();

    [Fact]
    public void A_pid_no_guest_has_is_ESRCH_so_no_host_process_can_be_traced()
    {
        Assert.Equal(-(long)Errno.ESRCH, Call(init, NR_ptrace, PTRACE_SEIZE, 4242, 0, 0).Value);
        Assert.Equal(-(long)Errno.ESRCH, Call(init, NR_process_vm_readv, 4242, 0, 0, 0).Value);
    }

    [Fact]
    public void A_process_cannot_trace_itself()
    {
        Assert.Equal(-(long)Errno.EPERM, Call(init, NR_ptrace, PTRACE_SEIZE, 1, 0, 0).Value);
    }

    [Fact]
    public void A_user_may_not_trace_a_process_of_another_user()
    {
        // Arrange
        child.Group.Credentials = Credentials.ForUser(1000, 1000, []);

        // Act
        SyscallResult seize = Call(child, NR_ptrace, PTRACE_SEIZE, 1, 0, 0);
        SyscallResult read = Call(child, NR_process_vm_readv, 1, 0, 0, 0);

        // Assert
        Assert.Equal(-(long)Errno.EPERM, seize.Value);
        Assert.Equal(-(long)Errno.EPERM, read.Value);
        Assert.Null(init.Ptrace);
    }

    [Fact]
    public void Process_vm_readv_names_the_guest_by_its_host_pid()
    {
        // Act
        SyscallResult r = Call(init, NR_process_vm_readv, 2, 0, 0, 0);

        // Assert
        Assert.True(r.IsRunOnHost);
        Assert.Equal((ulong)ChildHost, init.Context.Current[0]);
    }

    [Fact]
    public void Requests_need_the_tracee_stopped_and_INTERRUPT_stops_it_through_the_platform()
    {
        // Arrange
        Assert.Equal(0, Call(init, NR_ptrace, PTRACE_SEIZE, 2, 0, 0).Value);

        // Act
        SyscallResult cont = Call(init, NR_ptrace, PTRACE_CONT, 2, 0, 0);
        SyscallResult interrupt = Call(init, NR_ptrace, PTRACE_INTERRUPT, 2, 0, 0);

        // Assert
        Assert.Equal(-(long)Errno.ESRCH, cont.Value);
        Assert.Equal(0, interrupt.Value);
        Assert.Equal(["interrupt 2"], platform.Calls);
        Assert.True(child.Ptrace!.InterruptPending);
    }

    [Fact]
    public void A_held_stop_is_reported_once_by_the_tracers_wait_with_its_status()
    {
        // Arrange: the platform holds the child in a syscall stop (PTRACE_O_TRACESYSGOOD)
        Assert.Equal(0, Call(init, NR_ptrace, PTRACE_SEIZE, 2, 0, PtraceLink.PTRACE_O_TRACESYSGOOD).Value);
        kernel.PtraceStopped(child, child.Ptrace!.SyscallStatus, PtraceHold.Syscall);
        ulong status = FakeGuestMemory.Base + 128;

        // Act
        SyscallResult first = Call(init, NR_wait4, unchecked((ulong)-1), status, 0, 0);
        SyscallResult again = Call(init, NR_wait4, unchecked((ulong)-1), status, 1 /* WNOHANG */, 0);

        // Assert: WIFSTOPPED, WSTOPSIG = SIGTRAP|0x80; then nothing more of the tracee's (the host's children are the host's)
        Assert.Equal(2, first.Value);
        Assert.Equal(0x857f, BinaryPrimitives.ReadInt32LittleEndian(thread.Fake.Bytes.AsSpan(128)));
        Assert.True(again.IsRunOnHost);
    }

    [Fact]
    public void A_tracer_with_no_child_for_the_host_to_report_waits_in_pause_until_a_stop_interrupts_it()
    {
        // Arrange: init traces its grandchild, which the host would never report to it
        Assert.Equal(0, Call(init, NR_ptrace, PTRACE_SEIZE, 3, 0, 0).Value);

        // Act
        SyscallResult r = Call(init, NR_wait4, 3, 0, 0, 0);
        kernel.PtraceStopped(grandchild, PtraceLink.EventStatus(PtraceLink.PTRACE_EVENT_STOP), PtraceHold.Event);

        // Assert
        Assert.True(r.IsRunOnHost);
        Assert.Equal((int)Sysno.pause, init.Context.CurrentNumber);
        Assert.True(init.Context.NeedsExitStop);
        Assert.Equal(["interrupt 1"], platform.Calls);
        // pause's ERESTARTNOHAND at the exit becomes ERESTARTSYS, so the host restarts the wait as wait4's
        Assert.Equal(-512, kernel.Exit(init, thread, -514).Result);
    }

    [Fact]
    public void Options_the_kernel_cannot_honour_are_EINVAL()
    {
        // Arrange
        Assert.Equal(0, Call(init, NR_ptrace, PTRACE_SEIZE, 2, 0, 0).Value);
        kernel.PtraceStopped(child, PtraceLink.EventStatus(PtraceLink.PTRACE_EVENT_STOP), PtraceHold.Event);

        // Act
        SyscallResult seccomp = Call(init, NR_ptrace, PTRACE_SETOPTIONS, 2, 0, PtraceLink.PTRACE_O_TRACESECCOMP);
        SyscallResult supported = Call(init, NR_ptrace, PTRACE_SETOPTIONS, 2, 0, PtraceLink.PTRACE_O_TRACECLONE | PtraceLink.PTRACE_O_EXITKILL);

        // Assert
        Assert.Equal(-(long)Errno.EINVAL, seccomp.Value);
        Assert.Equal(0, supported.Value);
        Assert.True(child.Ptrace!.Has(PtraceLink.PTRACE_O_TRACECLONE));
    }

    private SyscallResult Call(Task caller, int number, ulong a0, ulong a1, ulong a2, ulong a3) =>
        kernel.Enter(caller, thread, number, [a0, a1, a2, a3, 0, 0]);

    /// <summary>Records what the kernel asked of the platform.</summary>
    private sealed class FakePlatform : IPtracePlatform
    {
        public List<string> Calls { get; } = [];
        public Errno Transfer(Task tracee, int request, Span<byte> buffer) => Errno.OK;
        public Result<ulong> Peek(Task tracee, int request, ulong addr) => 0UL;
        public Errno Poke(Task tracee, int request, ulong addr, ulong word) => Errno.OK;
        public Result<int> Regset(Task tracee, int request, int type, Span<byte> buffer) => 0;
        public void Resume(Task tracee, PtraceHold hold, PtraceResume mode, int signal) => Calls.Add($"resume {tracee.Tid} {mode} {signal}");
        public void Interrupt(Task task) => Calls.Add($"interrupt {task.Tid}");
        public bool IsStarting(Task task) => false;
    }
}
