using System;
using System.Buffers.Binary;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Syscalls;
using UserKernel.Kernel.Tasks;
using Xunit;
using Task = UserKernel.Kernel.Tasks.Task;

namespace UserKernel.Kernel.Tests;

/// <summary>
/// The exit halves of calls the host runs: the handler names its exit work at entry, and <see cref="GuestKernel.Exit"/>
/// turns the host's rax into what the guest sees, or a kill.
/// </summary>
public sealed class ExitWorkTests : IDisposable
{
    private const int InitHost = 4_000_201, ChildHost = 4_000_202;
    private const ulong F_GETOWN = 9;
    private readonly GuestKernel kernel;
    private readonly Task init;
    private readonly FakeGuestThread thread = new(InitHost);

    public ExitWorkTests()
    {
        kernel = new GuestKernel(new TreeFileSystem(), new KernelOptions());
        init = kernel.StartInit(InitHost).Value;
    }

    public void Dispose()
    {
        thread.Dispose();
        kernel.Dispose();
    }

    [Fact]
    public void Wait4_gives_the_reaped_childs_guest_pid()
    {
        // Arrange
        init.PendingClone = new CloneRequest((ulong)Signals.SIGCHLD, 0);
        Task child = kernel.OnClone(init, thread, ChildHost);

        // Act
        SyscallResult entry = Call(Sysno.wait4, unchecked((ulong)-1), 0, 0, 0);
        ExitOutcome exit = kernel.Exit(init, thread, ChildHost);

        // Assert
        Assert.True(entry.IsRunOnHost);
        Assert.True(init.Context.NeedsExitStop);
        Assert.Equal(child.Tid, exit.Result);
        Assert.False(exit.Kill);
    }

    [Fact]
    public void F_GETOWN_gives_the_guests_id_of_an_owning_process_or_group()
    {
        // Act: the host answers a pid, a group negated, none, and a process that is no guest's
        Call(Sysno.fcntl, 3, F_GETOWN);
        long process = kernel.Exit(init, thread, InitHost).Result;
        Call(Sysno.fcntl, 3, F_GETOWN);
        long group = kernel.Exit(init, thread, -InitHost).Result;
        Call(Sysno.fcntl, 3, F_GETOWN);
        long none = kernel.Exit(init, thread, 0).Result;
        Call(Sysno.fcntl, 3, F_GETOWN);
        long stranger = kernel.Exit(init, thread, 4_000_999).Result;

        // Assert
        Assert.Equal(1, process);
        Assert.Equal(-1, group);
        Assert.Equal(0, none);
        Assert.Equal(0, stranger);
    }

    [Fact]
    public void TIOCSPGRP_that_the_terminal_took_as_the_kernel_meant_returns()
    {
        // Arrange
        ulong host = SetForegroundGroupOfInit();
        thread.ForegroundGroup = (int)host;

        // Act
        ExitOutcome exit = kernel.Exit(init, thread, 0);

        // Assert
        Assert.Equal(0, exit.Result);
        Assert.False(exit.Kill);
    }

    [Fact]
    public void TIOCSPGRP_raced_to_another_group_by_a_sibling_kills_the_caller()
    {
        // Arrange: the terminal's group is not the one the kernel copied below the stack
        ulong host = SetForegroundGroupOfInit();
        thread.ForegroundGroup = (int)host + 1;

        // Act
        ExitOutcome exit = kernel.Exit(init, thread, 0);
        SetForegroundGroupOfInit();
        ExitOutcome refused = kernel.Exit(init, thread, -(long)Errno.EPERM);

        // Assert: a call the host refused changed nothing, so it needs no check
        Assert.True(exit.Kill);
        Assert.False(refused.Kill);
        Assert.Equal(-(long)Errno.EPERM, refused.Result);
    }

    /// <summary>ioctl(0, TIOCSPGRP, &amp;1): returns the host group the kernel passed in the rewritten argument.</summary>
    private ulong SetForegroundGroupOfInit()
    {
        BinaryPrimitives.WriteInt32LittleEndian(thread.Fake.Bytes.AsSpan(0), 1);
        SyscallResult entry = Call(Sysno.ioctl, 0, Sys.TIOCSPGRP, FakeGuestMemory.Base);
        Assert.True(entry.IsRunOnHost);
        int copy = (int)(init.Context.Current[2] - FakeGuestMemory.Base);
        int host = BinaryPrimitives.ReadInt32LittleEndian(thread.Fake.Bytes.AsSpan(copy));
        Assert.Equal(InitHost, host);
        return (ulong)host;
    }

    private SyscallResult Call(Sysno number, params ulong[] args)
    {
        var all = new ulong[6];
        args.CopyTo(all, 0);
        return kernel.Enter(init, thread, (int)number, all);
    }
}
