using System.Runtime.InteropServices;

namespace UserKernel.SyscallBridge.Interop;

internal static partial class Libc
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVec
    {
        public nint Base;
        public nuint Length;
    }

    [LibraryImport(Name, EntryPoint = "process_vm_readv")]
    internal static unsafe partial nint ProcessVmReadv(int pid, IoVec* local, ulong liovcnt, IoVec* remote, ulong riovcnt, ulong flags);

    [LibraryImport(Name, EntryPoint = "process_vm_writev")]
    internal static unsafe partial nint ProcessVmWritev(int pid, IoVec* local, ulong liovcnt, IoVec* remote, ulong riovcnt, ulong flags);
}
