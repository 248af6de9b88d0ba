using System;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Vfs;
using Task = UserKernel.Kernel.Tasks.Task;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// One stopped syscall: its number, the arguments as the guest passed them (<see cref="Original"/>) and
/// as the kernel rewrote them (<see cref="Current"/>), kept side by side so both can be printed.
/// One instance per task, reused for every call, so the stop path allocates nothing.
/// </summary>
public sealed class SyscallContext
{
    private const ulong RedZone = 128;
    private ulong scratchTop;

    public SyscallContext(Task task) { Task = task; }

    public Task Task { get; }
    public GuestKernel Kernel { get; private set; } = null!;
    public IGuestThread Thread { get; private set; } = null!;
    public IGuestMemory Memory => Thread.Memory;

    public int Number { get; private set; }
    public int CurrentNumber { get; private set; }
    public ulong[] Original { get; } = new ulong[6];

    // The path arguments as first read in this call: every later read answers the same bytes (gVisor's copyInPath).
    private readonly string?[] paths = new string?[6];
    // Where a path is copied in before it becomes a string, so that reading one allocates the string alone.
    private readonly byte[] pathBytes = new byte[GuestMemoryExtensions.PATH_MAX];
    private string? lastPath;
    public ulong[] Current { get; } = new ulong[6];
    public bool Rewritten { get; private set; }

    /// <summary>What to do when the host has run the call (<see cref="AtExit(ExitWork)"/>); null for nothing.</summary>
    public ExitWork? ExitWork { get; private set; }

    /// <summary>A value the handler kept for its exit work (<see cref="AtExit(ExitWork, long)"/>): a byte count, a host group.</summary>
    public long ExitState { get; private set; }

    /// <summary>The host ran a helper in the guest's place (getdents64's lseek): the guest's call stays emulated in the trace.</summary>
    public bool HelperOnHost { get; private set; }

    /// <summary>The tracer wants the result of a call the host runs, though the kernel does not.</summary>
    public bool TraceExit { get; set; }

    /// <summary>
    /// The host must stop at this call's exit: for exit work, for the tracer, or because the call was rewritten, to give
    /// the guest its own registers back (the syscall ABI preserves them) and so that a restarted call is translated
    /// afresh, not rerun with host values.
    /// </summary>
    public bool NeedsExitStop => ExitWork != null || Rewritten || TraceExit;

    /// <summary>When the host has run the call, <paramref name="work"/> runs.</summary>
    public void AtExit(ExitWork work) => ExitWork = work;

    /// <summary>When the host has run the call, <paramref name="work"/> runs, with <paramref name="state"/> in <see cref="ExitState"/>.</summary>
    public void AtExit(ExitWork work, long state)
    {
        ExitWork = work;
        ExitState = state;
    }

    /// <summary>
    /// The call the host runs is a helper of the kernel's (rewritten in registers): if it succeeds the guest sees
    /// <paramref name="result"/>, else the helper's errno.
    /// </summary>
    public void ReplaceResultAtExit(long result)
    {
        AtExit(ReplaceResult, result);
        HelperOnHost = true;
    }

    private static ExitOutcome ReplaceResult(SyscallContext ctx, IGuestThread thread, long rax) => rax >= 0 ? ctx.ExitState : rax;


    /// <summary>The tracer's rendering of the arguments: inputs taken at entry, outputs filled when done.</summary>
    public string?[]? TracedArguments { get; set; }

    /// <summary>What went wrong when the handler threw (an extension's exception, a kernel bug), for the trace; else null.</summary>
    public string? Fault { get; set; }

    /// <summary>When the stop began (Stopwatch ticks), for the trace's durations.</summary>
    public long TraceStart { get; set; }

    /// <summary>Stopwatch ticks the kernel spent in this call's handler and exit work, when traced.</summary>
    public long TraceKernelTicks { get; set; }

    /// <summary>
    /// Managed bytes the kernel allocated for this call, when traced: in the dispatch, the handler and the exit work, on
    /// the thread that ran them, less what the tracer's own formatting took.
    /// </summary>
    public long TraceAllocatedBytes { get; set; }

    /// <summary>The traced call was reissued: its next stop continues it, so its start and kernel time carry over.</summary>
    public bool TraceContinues { get; set; }

    /// <summary>Starts a new stop.</summary>
    public void Begin(GuestKernel kernel, IGuestThread thread, int number, ReadOnlySpan<ulong> args)
    {
        Kernel = kernel;
        Thread = thread;
        Number = CurrentNumber = number;
        args.CopyTo(Original);
        args.CopyTo(Current);
        Rewritten = false;
        ExitWork = null;
        ExitState = 0;
        HelperOnHost = false;
        TraceExit = false;
        TracedArguments = null;
        Fault = null;
        Array.Clear(paths);
        scratchTop = (thread.StackPointer - RedZone) & ~15UL;
    }

    public ulong Arg(int i) => Original[i];
    public int IntArg(int i) => (int)Original[i];
    public GuestPtr PtrArg(int i) => new(Original[i]);

    public void Rewrite(int i, ulong value)
    {
        Current[i] = value;
        Rewritten = true;
    }

    /// <summary>
    /// This stop is a call the kernel reissued (<see cref="SyscallResult.Reissue"/>) in place of the guest's
    /// <paramref name="number"/> with <paramref name="arguments"/>: those become the original, which the guest gets
    /// back in its registers if the call returns, and what the tracer prints.
    /// </summary>
    public void ContinuesReissued(int number, ReadOnlySpan<ulong> arguments, string?[]? tracedArguments)
    {
        Number = number;
        arguments.CopyTo(Original);
        Rewritten = true;
        TracedArguments = tracedArguments;
    }

    public void RewriteNumber(int number)
    {
        CurrentNumber = number;
        Rewritten = true;
    }

    /// <summary>
    /// Reads a path argument: EFAULT, ENAMETOOLONG (PATH_MAX), as getname() answers. It is copied in once per call:
    /// a handler that asks again (to find the parent after the name was missing, say) gets the same string, whatever
    /// a sibling thread has written to the guest's buffer meanwhile.
    /// </summary>
    public Result<string> ReadPath(int argIndex)
    {
        if (paths[argIndex] is string known) return known;
        if (!Memory.ReadCString(PtrArg(argIndex), pathBytes).TryGet(out int length, out Errno e)) return e;
        ReadOnlySpan<byte> bytes = pathBytes.AsSpan(0, length);
        // A task often names the same path again (stat, then open): the string it made then still says it.
        if (lastPath == null || !SameName(lastPath, bytes)) lastPath = Names.FromBytes(bytes);
        return paths[argIndex] = lastPath;
    }

    private static bool SameName(string name, ReadOnlySpan<byte> bytes)
    {
        if (name.Length != bytes.Length) return false;
        for (int i = 0; i < bytes.Length; i++)
            if (name[i] != bytes[i]) return false;
        return true;
    }

    /// <summary>
    /// Copies bytes below the guest's stack (past the red zone) for a rewritten argument. Any thread sharing the memory can
    /// change them before the host reads them, so only data that gains a guest nothing if swapped may go here, and what the
    /// host did with it is checked at the exit (TIOCSPGRP; a siginfo a process queues to itself). Only at a ptrace stop.
    /// </summary>
    public Result<GuestPtr> PushScratch(ReadOnlySpan<byte> bytes)
    {
        if (Thread.StackPointer == 0) return Errno.EFAULT; // a notified call: no registers, no stack

        scratchTop = (scratchTop - (ulong)bytes.Length) & ~15UL;
        var at = new GuestPtr(scratchTop);
        Errno e = Memory.Write(at, bytes);
        return e == Errno.OK ? at : e;
    }
}
