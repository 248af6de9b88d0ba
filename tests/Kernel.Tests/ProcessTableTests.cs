using System;
using System.Buffers.Binary;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Syscalls;
using UserKernel.Kernel.Tasks;
using Xunit;
using Task = UserKernel.Kernel.Tasks.Task;

namespace UserKernel.Kernel.Tests;

/// <summary>The kernel's task table through clone, clone3, an exec by a thread that is not the leader, and a parent's death.</summary>
public sealed class ProcessTableTests : IDisposable
{
    private const int InitHostPid = 5000;
    private const ulong CLONE_VM = 0x100, CLONE_SIGHAND = 0x800, CLONE_THREAD = 0x10000, CLONE_PARENT_SETTID = 0x100000, CLONE_CHILD_SETTID = 0x1000000;
    private readonly GuestKernel kernel;
    private readonly Task init;
    private readonly FakeGuestThread thread = new(InitHostPid);

    public ProcessTableTests()
    {
        var fs = new TreeFileSystem();
        fs.Dir("bin");
        kernel = new GuestKernel(fs, new KernelOptions());
        Assert.True(kernel.StartInit(InitHostPid).TryGet(out Task? task, out Errno e), e.ToString());
        init = task;
    }

    public void Dispose() => kernel.Dispose();

    [Fact]
    public void A_thread_joins_its_process_with_a_new_guest_tid_written_where_CLONE_PARENT_SETTID_points()
    {
        // Arrange
        ulong ptid = FakeGuestMemory.Base + 64;
        init.PendingClone = new CloneRequest(CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_PARENT_SETTID, 0, ptid);

        // Act
        Task child = kernel.OnClone(init, thread, 5001);

        // Assert
        Assert.Same(init.Group, child.Group);
        Assert.Equal(2, child.Tid);
        Assert.Equal(1, child.Group.Tgid);
        Assert.Equal(5001, kernel.Pids.ToHost(2));
        Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(thread.Fake.Bytes.AsSpan(64)));
        Assert.Null(init.PendingClone);
    }

    [Fact]
    public void Clone_loses_CLONE_UNTRACED_so_every_child_is_traced()
    {
        // Arrange
        const ulong CLONE_UNTRACED = 0x00800000;
        init.Context.Begin(kernel, thread, 56, [CLONE_UNTRACED | (ulong)Signals.SIGCHLD, 0, 0, 0, 0, 0]);

        // Act
        SyscallResult result = Sys.Clone(init.Context);

        // Assert
        Assert.True(result.IsRunOnHost);
        Assert.Equal((ulong)Signals.SIGCHLD, init.Context.Current[0]);
        Assert.Equal(CLONE_UNTRACED | (ulong)Signals.SIGCHLD, init.Context.Original[0]);
    }

    [Fact]
    public void Clone3_answers_ENOSYS_since_its_flags_live_in_guest_memory()
    {
        // Act
        SyscallResult result = kernel.Enter(init, thread, 435, [FakeGuestMemory.Base + 256, 64, 0, 0, 0, 0]);

        // Assert
        Assert.False(result.IsRunOnHost);
        Assert.Equal(-(long)Errno.ENOSYS, result.Value);
    }

    [Fact]
    public void Exec_by_a_thread_gives_it_the_leaders_tid_and_forgets_the_leader()
    {
        // Arrange
        init.PendingClone = new CloneRequest(CLONE_VM | CLONE_SIGHAND | CLONE_THREAD, 0);
        Task second = kernel.OnClone(init, thread, 5001);

        // Act
        kernel.OnExecByOtherThread(second);

        // Assert
        Assert.Equal(1, second.Tid);
        Assert.Equal(InitHostPid, second.HostTid);
        Assert.Same(second, kernel.Pids.ByGuest(1));
        Assert.Same(second, kernel.Pids.ByHost(InitHostPid));
        Assert.Null(kernel.Pids.ByGuest(2));
        Assert.Equal([second], second.Group.Threads);
    }

    [Fact]
    public void A_process_group_keeps_its_id_after_its_leader_is_reaped()
    {
        // Arrange
        init.PendingClone = new CloneRequest((ulong)Signals.SIGCHLD, 0);
        Task leader = kernel.OnClone(init, thread, 5002);

        // Act
        kernel.Pids.Remove(leader);

        // Assert
        Assert.Equal(-1, kernel.Pids.ToHost(leader.Tid));
        Assert.Equal(5002, kernel.Pids.ToHostGroup(leader.Tid));
        Assert.Equal(leader.Tid, kernel.Pids.ToGuest(5002));
    }

    [Fact]
    public void A_child_that_exited_before_its_parent_died_leaves_the_table_with_it()
    {
        // Arrange: the child exits while its parent lives, and stays for the parent's wait.
        init.PendingClone = new CloneRequest((ulong)Signals.SIGCHLD, 0);
        Task parent = kernel.OnClone(init, thread, 5002);
        parent.PendingClone = new CloneRequest((ulong)Signals.SIGCHLD, 0);
        Task child = kernel.OnClone(parent, thread, 5003);
        kernel.OnTaskExit(child, "exited");
        Assert.Equal(5003, kernel.Pids.ToHost(child.Tid));

        // Act: the parent dies; the host gives the zombie to the kernel (no guest subreaper), whose wait reaps it.
        kernel.OnTaskExit(parent, "killed");

        // Assert
        Assert.Equal(-1, kernel.Pids.ToHost(child.Tid));
    }
}
