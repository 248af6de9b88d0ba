using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;

namespace UserKernel.Kernel.Loader;

/// <summary>How a call of a <see cref="SyscallBatch"/> takes a value an earlier call returned (the stub's runner keeps them in registers).</summary>
[Flags]
public enum BatchFlags : ulong
{
    None = 0,
    /// <summary>Keep the result as the batch's descriptor (r13).</summary>
    SaveFd = 1,
    /// <summary>The descriptor is the fifth argument (mmap's fd).</summary>
    FdInR8 = 2,
    /// <summary>The descriptor is the first argument (close's fd).</summary>
    FdInRdi = 4,
    /// <summary>Keep the result as base 0 (r14).</summary>
    SaveBase0 = 8,
    /// <summary>Add base 0 to the first argument (an address inside what base 0 reserved).</summary>
    AddBase0 = 16,
    /// <summary>Keep the result as base 1 (r15).</summary>
    SaveBase1 = 32,
    /// <summary>Add base 1 to the first argument.</summary>
    AddBase1 = 64,
}

/// <summary>Where a batch stopped: the calls done, the last result, and the values kept for later calls.</summary>
public struct BatchState
{
    /// <summary>The index of the first call not done: the batch's length when all succeeded, else the one that failed.</summary>
    public int Next;

    /// <summary>The result of the last call made (-errno for the one that failed).</summary>
    public long Result;

    public ulong Fd, Base0, Base1;
}

/// <summary>A platform that runs a whole <see cref="SyscallBatch"/> in one resume of the stopped thread.</summary>
public interface ISyscallBatchRunner
{
    /// <summary>
    /// Runs the calls from <see cref="BatchState.Next"/> on, in the stub's runner, and updates <paramref name="state"/>.
    /// The thread's registers are left as the runner ended: the caller sets them anew (a loaded program's start) or kills
    /// the thread. ESRCH if the thread died or was killed for a call that was not the kernel's.
    /// </summary>
    Errno RunBatch(SyscallBatch batch, ref BatchState state);
}

/// <summary>
/// Syscalls the kernel makes in a stopped guest thread one after another, with one round trip instead of one each: the
/// records go into the stub's scratch memory with one write and the stub's runner (<see cref="StubProgram"/>) makes the
/// calls and traps once. Only for a thread no other thread shares memory with: the stub before any guest code, or an
/// exec's fresh address space, whose one thread is stopped. Another process that may trace it can still write there (a
/// forwarded process_vm_writev), but only turn the records into calls the thread could make itself: every call passes
/// the seccomp filter, no record names a host object, results come back in registers, and a call that stops in the
/// filter runs only if it is the kernel's own record (<see cref="Matches"/>).
/// </summary>
public sealed class SyscallBatch
{
    /// <summary>Bytes per record: number, six arguments, flags.</summary>
    public const int RecordSize = 64;

    /// <summary>Records and data together fit the stub's scratch memory.</summary>
    public const int MaxSize = StubProgram.ScratchSize;

    private readonly List<Call> calls = new();
    private readonly List<byte> data = new();

    /// <summary>One call; <see cref="InstallFd"/> is the kernel's descriptor an install call installs (else -1).</summary>
    public readonly record struct Call(int Number, ulong A0, ulong A1, ulong A2, ulong A3, ulong A4, ulong A5, BatchFlags Flags, int InstallFd);

    public IReadOnlyList<Call> Calls => calls;

    /// <summary>Adds a call; its index.</summary>
    public int Add(int number, BatchFlags flags, ulong a0 = 0, ulong a1 = 0, ulong a2 = 0, ulong a3 = 0, ulong a4 = 0, ulong a5 = 0)
    {
        calls.Add(new Call(number, a0, a1, a2, a3, a4, a5, flags, -1));
        return calls.Count - 1;
    }

    /// <summary>The call that installs a descriptor: an openat the platform's listener answers with it, never by a path.</summary>
    public const int InstallCall = (int)Sysno.openat;

    /// <summary>Adds the install of the kernel's <paramref name="kernelFd"/>, close-on-exec, kept as the batch's descriptor.</summary>
    public int Install(int kernelFd)
    {
        calls.Add(new Call(InstallCall, 0, 0, 0, 0, 0, 0, BatchFlags.SaveFd, kernelFd));
        return calls.Count - 1;
    }

    /// <summary>Adds bytes for a call to point at (a name); their address in the guest, at the bottom of the scratch memory.</summary>
    public ulong AddData(ReadOnlySpan<byte> bytes)
    {
        int at = data.Count;
        if (at + bytes.Length + 7 > MaxSize - RecordSize) throw new InvalidOperationException("syscall batch data larger than the stub's scratch memory");
        data.AddRange(bytes.ToArray());
        while (data.Count % 8 != 0) data.Add(0);
        return StubProgram.ScratchAddress + (ulong)at;
    }

    /// <summary>Where the records go: after the data, so that the two go in with one write.</summary>
    public ulong RecordsAddress => StubProgram.ScratchAddress + (ulong)data.Count;

    /// <summary>How many records fit after the data: a longer batch runs in windows of this many.</summary>
    public int Window => (MaxSize - data.Count) / RecordSize;

    /// <summary>The data and records <paramref name="from"/> to <paramref name="to"/>, to go at <see cref="StubProgram.ScratchAddress"/>.</summary>
    public byte[] Image(int from, int to)
    {
        byte[] records = Encode(from, to);
        byte[] image = new byte[data.Count + records.Length];
        data.CopyTo(image);
        records.CopyTo(image, data.Count);
        return image;
    }

    /// <summary>Records <paramref name="from"/> to <paramref name="to"/> (exclusive), to go at <see cref="StubProgram.ScratchAddress"/>.</summary>
    public byte[] Encode(int from, int to)
    {
        byte[] bytes = new byte[(to - from) * RecordSize];
        for (int i = from; i < to; i++)
        {
            Span<byte> r = bytes.AsSpan((i - from) * RecordSize, RecordSize);
            Call c = calls[i];
            BinaryPrimitives.WriteUInt64LittleEndian(r, (ulong)c.Number);
            BinaryPrimitives.WriteUInt64LittleEndian(r[8..], c.A0);
            BinaryPrimitives.WriteUInt64LittleEndian(r[16..], c.A1);
            BinaryPrimitives.WriteUInt64LittleEndian(r[24..], c.A2);
            BinaryPrimitives.WriteUInt64LittleEndian(r[32..], c.A3);
            BinaryPrimitives.WriteUInt64LittleEndian(r[40..], c.A4);
            BinaryPrimitives.WriteUInt64LittleEndian(r[48..], c.A5);
            BinaryPrimitives.WriteUInt64LittleEndian(r[56..], (ulong)c.Flags);
        }
        return bytes;
    }

    /// <summary>The arguments call <paramref name="index"/> is made with, given the values kept so far.</summary>
    public (ulong A0, ulong A1, ulong A2, ulong A3, ulong A4, ulong A5) Arguments(int index, in BatchState state)
    {
        Call c = calls[index];
        ulong a0 = c.A0, a4 = c.A4;
        if ((c.Flags & BatchFlags.FdInR8) != 0) a4 = state.Fd;
        if ((c.Flags & BatchFlags.FdInRdi) != 0) a0 = state.Fd;
        if ((c.Flags & BatchFlags.AddBase0) != 0) a0 += state.Base0;
        if ((c.Flags & BatchFlags.AddBase1) != 0) a0 += state.Base1;
        return (a0, c.A1, c.A2, c.A3, a4, c.A5);
    }

    /// <summary>Whether a call the host stopped (a filter of the guest's own traced it) is call <paramref name="index"/> as the kernel made it.</summary>
    public bool Matches(int index, in BatchState state, long number, ulong a0, ulong a1, ulong a2, ulong a3, ulong a4, ulong a5)
    {
        if ((uint)index >= (uint)calls.Count || calls[index].InstallFd >= 0 || number != calls[index].Number) return false;
        return Arguments(index, state) == (a0, a1, a2, a3, a4, a5);
    }

    /// <summary>Keeps what call <paramref name="index"/> returned as its flags say.</summary>
    public void Keep(int index, long result, ref BatchState state)
    {
        BatchFlags f = calls[index].Flags;
        if ((f & BatchFlags.SaveFd) != 0) state.Fd = (ulong)result;
        if ((f & BatchFlags.SaveBase0) != 0) state.Base0 = (ulong)result;
        if ((f & BatchFlags.SaveBase1) != 0) state.Base1 = (ulong)result;
    }

    /// <summary>-4095..-1: an error, as the runner tests it.</summary>
    public static bool Failed(long result) => result < 0 && result > -4096;

    /// <summary>
    /// Runs the calls from <see cref="BatchState.Next"/> on: in one resume where the platform can, else one injected call at
    /// a time (the same calls and results, a round trip each).
    /// </summary>
    public Errno Run(IGuestThread thread, ref BatchState state)
    {
        if (thread is ISyscallBatchRunner runner) return runner.RunBatch(this, ref state);
        if (data.Count > 0)
        {
            Errno e = thread.Memory.Write(new GuestPtr(StubProgram.ScratchAddress), data.ToArray());
            if (e != Errno.OK) return e;
        }
        for (; state.Next < calls.Count; state.Next++)
        {
            Call c = calls[state.Next];
            (ulong a0, ulong a1, ulong a2, ulong a3, ulong a4, ulong a5) = Arguments(state.Next, state);
            long r = c.InstallFd >= 0 ? thread.InstallDescriptor(c.InstallFd, closeOnExec: true) : thread.InjectSyscall(c.Number, a0, a1, a2, a3, a4, a5);
            state.Result = r;
            if (Failed(r)) return Errno.OK;
            Keep(state.Next, r, ref state);
        }
        return Errno.OK;
    }
}
