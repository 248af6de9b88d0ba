using System.Runtime.CompilerServices;

[assembly: DisableRuntimeMarshalling]

namespace UserKernel.SyscallBridge.Interop;

/// <summary>The declarations Tmds.LibC lacks: ptrace, waitpid, process_vm_*, posix_spawn.</summary>
internal static partial class Libc
{
    internal const string Name = "libc";
}
