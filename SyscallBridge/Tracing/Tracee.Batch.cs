using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Loader;
using UserKernel.SyscallBridge.Interop;

namespace UserKernel.SyscallBridge.Tracing;

/// <summary>A whole batch of injected syscalls in one resume: a write of the records, one wait, one read of the registers.</summary>
internal sealed partial class Tracee : ISyscallBatchRunner
{
    public Errno RunBatch(SyscallBatch batch, ref BatchState state)
    {
        while (state.Next < batch.Calls.Count)
        {
            int from = state.Next, to = System.Math.Min(batch.Calls.Count, from + batch.Window);
            Errno e = RunWindow(batch, from, to, ref state);
            if (e != Errno.OK || state.Next < to) return e; // a call failed: state says which
        }
        return Errno.OK;
    }

    /// <summary>Calls <paramref name="from"/> to <paramref name="to"/>, whose records fit after the batch's data.</summary>
    private Errno RunWindow(SyscallBatch batch, int from, int to, ref BatchState state)
    {
        if (ExitEventPending) return Errno.ESRCH;
        if (Memory.Write(new GuestPtr(StubProgram.ScratchAddress), batch.Image(from, to)) != Errno.OK) return Errno.EFAULT;
        ulong records = batch.RecordsAddress;
        var installs = new System.Collections.Generic.List<int>();
        for (int i = from; i < to; i++)
            if (batch.Calls[i].InstallFd >= 0) installs.Add(batch.Calls[i].InstallFd);
        UserRegs call = regs;
        call.rip = StubProgram.BatchRunnerAddress;
        call.orig_rax = ulong.MaxValue;
        call.rbx = records;
        call.r12 = records + (ulong)((to - from) * SyscallBatch.RecordSize);
        call.r13 = state.Fd;
        call.r14 = state.Base0;
        call.r15 = state.Base1;
        if (installs.Count > 0) Installer?.PostBatch(HostTid, installs.ToArray());
        try
        {
            if (Libc.SetRegs(HostTid, call) != Errno.OK || Libc.Ptrace(Libc.PTRACE_CONT, HostTid, 0, 0) != Errno.OK) return Errno.ESRCH;
            while (true)
            {
                if (Libc.WaitPid(HostTid, out int status, Libc.__WALL, out _) < 0) return Errno.ESRCH;
                PtraceStop stop = PtraceStop.Decode(status);
                switch (stop.Kind)
                {
                    case StopKind.Exited or StopKind.Killed:
                        return Errno.ESRCH;
                    case StopKind.ExitEvent:
                        Libc.SetRegs(HostTid, regs); // its guest tracer sees this stop, with the thread's registers
                        ExitEventPending = true;
                        return Errno.ESRCH;
                    case StopKind.SignalDelivery when stop.Signal == Signals.SIGTRAP:
                        if (Libc.GetRegs(HostTid, out UserRegs after) != Errno.OK) return Errno.ESRCH;
                        if (after.rip != StubProgram.BatchTrapAddress)
                        {
                            DeferredSignal = stop.Signal; // sent by someone, not the runner's int3
                            break;
                        }
                        ulong done = (after.rbx - records) / SyscallBatch.RecordSize;
                        if (after.rbx < records || done > (ulong)(to - from)) return Kill();
                        state.Next = from + (int)done;
                        state.Result = (long)after.rax;
                        state.Fd = after.r13;
                        state.Base0 = after.r14;
                        state.Base1 = after.r15;
                        return Errno.OK;
                    case StopKind.SignalDelivery:
                        DeferredSignal = stop.Signal;
                        break;
                    case StopKind.SeccompStop:
                        // Only a filter of the guest's own traces the calls of a batch; run the call if it is the kernel's.
                        if (!IsKernelCall(batch, records, from, to, state)) return Kill();
                        break;
                    case StopKind.Fork or StopKind.Vfork or StopKind.Clone:
                        // No batch forks: its records were changed under it. The child never runs.
                        if (TryEventMessage(out ulong child)) Tmds.Linux.LibC.kill((int)child, Signals.SIGKILL);
                        return Kill();
                }
                Libc.Ptrace(Libc.PTRACE_CONT, HostTid, 0, 0);
            }
        }
        finally
        {
            if (installs.Count > 0) Installer?.Clear();
        }
    }

    /// <summary>Whether the call stopped at is the record the runner is at, as the kernel wrote it.</summary>
    private bool IsKernelCall(SyscallBatch batch, ulong records, int from, int to, BatchState state)
    {
        if (Libc.GetRegs(HostTid, out UserRegs r) != Errno.OK || r.rip != StubProgram.BatchCallAddress) return false;
        ulong at = (r.rbx - records) / SyscallBatch.RecordSize;
        if (r.rbx < records || at >= (ulong)(to - from)) return false;
        state.Fd = r.r13;
        state.Base0 = r.r14;
        state.Base1 = r.r15;
        return batch.Matches(from + (int)at, state, (long)r.orig_rax, r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9);
    }

    /// <summary>A call of the batch was not the kernel's: the thread dies before it runs a program.</summary>
    private Errno Kill()
    {
        System.Console.Error.WriteLine($"userkernel: host thread {HostTid}: a call of the exec's batch was changed under it; killed");
        Tmds.Linux.LibC.kill(HostTid, Signals.SIGKILL);
        return Errno.ESRCH;
    }
}
