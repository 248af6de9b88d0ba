using System;
using UserKernel.SyscallBridge.Interop;
using static Tmds.Linux.LibC;

namespace UserKernel.SyscallBridge.Tracing;

/// <summary>
/// Makes the guest's process group the terminal's foreground group while it runs (so an interactive
/// shell can read the terminal and Ctrl-C reaches the guest, not the kernel), and takes it back after.
/// </summary>
internal sealed unsafe class Terminal : IDisposable
{
    private readonly int ourGroup;

    private Terminal(int ourGroup) { this.ourGroup = ourGroup; }

    public static IDisposable? GiveTo(int guestGroup)
    {
        if (isatty(0) != 1) return null;
        int ours = getpgrp();
        if (tcgetpgrp(0) != ours) return null; // we are not in the foreground ourselves
        tcsetpgrp(0, guestGroup);
        return new Terminal(ours);
    }

    public void Dispose()
    {
        // Taking the terminal back from the background raises SIGTTOU unless it is blocked.
        byte* set = stackalloc byte[128];
        new Span<byte>(set, 128).Clear();
        set[(22 - 1) / 8] = 1 << ((22 - 1) % 8); // SIGTTOU is 22
        Libc.PthreadSigmask(0 /* SIG_BLOCK */, set, null);
        tcsetpgrp(0, ourGroup);
        Libc.PthreadSigmask(1 /* SIG_UNBLOCK */, set, null);
    }
}
