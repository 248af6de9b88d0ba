using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Tasks;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// System V IPC, private to the run (<see cref="IpcObjects"/>): *get with a key finds only the run's objects and makes new
/// ones as IPC_PRIVATE on the host (a register rewrite, so no sibling can swap the key); every call on an id checks the
/// run made it (EINVAL otherwise, as for an id that does not exist); the *_STAT commands, which walk the host's whole
/// table by index, answer EINVAL. The host runs the rest on the run's own objects.
/// </summary>
public static partial class Sys
{
    private const int IPC_PRIVATE = 0, IPC_CREAT = 0x200, IPC_EXCL = 0x400, IPC_RMID = 0;
    private const int SHM_STAT = 13, SHM_STAT_ANY = 15, SEM_STAT = 18, SEM_STAT_ANY = 20, MSG_STAT = 11, MSG_STAT_ANY = 13;

    /// <summary>shmget(2)</summary>
    public static SyscallResult Shmget(SyscallContext ctx) => IpcGet(ctx, IpcKind.SharedMemory);

    /// <summary>semget(2)</summary>
    public static SyscallResult Semget(SyscallContext ctx) => IpcGet(ctx, IpcKind.Semaphores);

    /// <summary>msgget(2)</summary>
    public static SyscallResult Msgget(SyscallContext ctx) => IpcGet(ctx, IpcKind.MessageQueue);

    /// <summary>shmat(2), semop(2), semtimedop(2), msgsnd(2), msgrcv(2): on an object of the run's only.</summary>
    public static SyscallResult IpcUse(SyscallContext ctx) =>
        ctx.Kernel.Ipc.Owns(KindOf(ctx), ctx.IntArg(0)) ? SyscallResult.RunOnHost : Errno.EINVAL;

    /// <summary>shmctl(2), semctl(2), msgctl(2): the run's objects only; IPC_RMID frees the key; the *_STAT commands EINVAL.</summary>
    public static SyscallResult IpcControl(SyscallContext ctx)
    {
        IpcKind kind = KindOf(ctx);
        int cmd = (kind == IpcKind.Semaphores ? ctx.IntArg(2) : ctx.IntArg(1)) & 0xff; // without IPC_64
        if (kind switch
        {
            IpcKind.SharedMemory => cmd is SHM_STAT or SHM_STAT_ANY,
            IpcKind.Semaphores => cmd is SEM_STAT or SEM_STAT_ANY,
            _ => cmd is MSG_STAT or MSG_STAT_ANY,
        }) return Errno.EINVAL; // by index, into the host's table
        if (cmd == 3 /* IPC_INFO */ || (kind == IpcKind.SharedMemory && cmd == 14) || (kind == IpcKind.Semaphores && cmd == 19) || (kind == IpcKind.MessageQueue && cmd == 12))
            return SyscallResult.RunOnHost; // the limits and counts of the host's table, which name no object
        if (!ctx.Kernel.Ipc.Owns(kind, ctx.IntArg(0))) return Errno.EINVAL;
        if (cmd == IPC_RMID) ctx.AtExit(IpcRemovedAtExit);
        return SyscallResult.RunOnHost;
    }

    private static SyscallResult IpcGet(SyscallContext ctx, IpcKind kind)
    {
        int key = ctx.IntArg(0), flags = kind == IpcKind.Semaphores ? ctx.IntArg(2) : kind == IpcKind.SharedMemory ? ctx.IntArg(2) : ctx.IntArg(1);
        if (key != IPC_PRIVATE)
        {
            int id = ctx.Kernel.Ipc.IdOf(kind, key);
            if (id >= 0) return (flags & IPC_CREAT) != 0 && (flags & IPC_EXCL) != 0 ? Errno.EEXIST : id;
            if ((flags & IPC_CREAT) == 0) return Errno.ENOENT;
            ctx.Rewrite(0, IPC_PRIVATE);
        }
        ctx.AtExit(IpcMadeAtExit);
        return SyscallResult.RunOnHost;
    }

    /// <summary>A *get made or found an object (rax, its id): the run's from now on, under the guest's key (argument 0).</summary>
    private static ExitOutcome IpcMadeAtExit(SyscallContext ctx, IGuestThread thread, long rax)
    {
        if (rax >= 0) ctx.Kernel.Ipc.Made(KindOf(ctx), ctx.IntArg(0), (int)rax);
        return rax;
    }

    /// <summary>IPC_RMID removed the run's object (argument 0).</summary>
    private static ExitOutcome IpcRemovedAtExit(SyscallContext ctx, IGuestThread thread, long rax)
    {
        if (rax == 0) ctx.Kernel.Ipc.Removed(KindOf(ctx), ctx.IntArg(0));
        return rax;
    }

    /// <summary>Which kind of object the current call is about, from its name.</summary>
    internal static IpcKind KindOf(SyscallContext ctx) => SyscallTable.Lookup(ctx.Number)!.Name switch
    {
        "shmget" or "shmat" or "shmctl" => IpcKind.SharedMemory,
        "semget" or "semop" or "semtimedop" or "semctl" => IpcKind.Semaphores,
        _ => IpcKind.MessageQueue,
    };
}
