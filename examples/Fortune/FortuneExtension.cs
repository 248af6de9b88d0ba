using System;
using System.Text;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Extensions;
using UserKernel.Kernel.Syscalls;

namespace UserKernel.Examples.Fortune;

/// <summary>
/// Registers /dev/fortune and syscall 1000, fortune(buf, len), which copies the next fortune into the caller's buffer
/// and returns its length (ERANGE if it does not fit), as a small example of a syscall added to the table.
/// </summary>
public sealed class FortuneExtension : IKernelExtension
{
    /// <summary>The number of the added syscall: far above Linux's, so it never meets one.</summary>
    public const int FortuneSyscall = 1000;

    private readonly FortuneDevice device = new();

    public void Register(KernelRegistry registry)
    {
        registry.RegisterDevice(device);
        registry.RegisterSyscall(FortuneSyscall, "fortune", Fortune, "copies the next fortune into buf (ERANGE if len is too small)",
            args: [ArgFormat.Ptr, ArgFormat.Size]);
    }

    private SyscallResult Fortune(SyscallContext ctx)
    {
        byte[] text = Encoding.UTF8.GetBytes(device.Cookies.Next());
        if ((ulong)text.Length > ctx.Arg(1)) return Errno.ERANGE;
        Errno e = ctx.Memory.Write(ctx.PtrArg(0), text);
        return e != Errno.OK ? e : text.Length;
    }
}
