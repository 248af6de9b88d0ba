using System;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Trace;
using UserKernel.SyscallBridge.Interop;

namespace UserKernel.SyscallBridge.Memory;

/// <summary>A guest address space read and written with process_vm_readv/writev: one copy, no stop needed.</summary>
internal sealed unsafe class ProcessVmMemory : IGuestMemory
{
    private readonly int pid;

    public ProcessVmMemory(int pid) { this.pid = pid; }

    public int ReadUpTo(GuestPtr from, Span<byte> into)
    {
        if (into.IsEmpty) return 0;
        fixed (byte* p = into)
        {
            var local = new Libc.IoVec { Base = (nint)p, Length = (nuint)into.Length };
            var remote = new Libc.IoVec { Base = (nint)from.Address, Length = (nuint)into.Length };
            nint n = Libc.ProcessVmReadv(pid, &local, 1, &remote, 1, 0);
            StartupProfile.MemoryReads++;
            return n < 0 ? 0 : (int)n;
        }
    }

    public Errno Write(GuestPtr to, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return Errno.OK;
        fixed (byte* p = bytes)
        {
            var local = new Libc.IoVec { Base = (nint)p, Length = (nuint)bytes.Length };
            var remote = new Libc.IoVec { Base = (nint)to.Address, Length = (nuint)bytes.Length };
            nint n = Libc.ProcessVmWritev(pid, &local, 1, &remote, 1, 0);
            StartupProfile.MemoryWrites++;
            return n == bytes.Length ? Errno.OK : Errno.EFAULT;
        }
    }
}
