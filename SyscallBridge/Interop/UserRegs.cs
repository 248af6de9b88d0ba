using System.Runtime.InteropServices;

namespace UserKernel.SyscallBridge.Interop;

/// <summary>struct user_regs_struct of x86-64 (sys/user.h), as PTRACE_GETREGS fills it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct UserRegs
{
    public ulong r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi, orig_rax,
        rip, cs, eflags, rsp, ss, fs_base, gs_base, ds, es, fs, gs;
}
