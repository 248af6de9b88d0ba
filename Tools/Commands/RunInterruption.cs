using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using UserKernel.Kernel;

namespace UserKernel.Tools.Commands;

/// <summary>
/// SIGINT, SIGTERM and SIGHUP sent to userkernel itself (Ctrl-C where the kernel, not the guest, has the
/// terminal; kill; a closed terminal) end the run as the end of its init would: init is killed, the tracer
/// kills the other guests and returns, and what follows a run (saving --persist's layer, removing the
/// kernel's files) still happens. The run then exits with 128 + the signal's number, as a shell reports it.
/// </summary>
internal sealed class RunInterruption : IDisposable
{
    private readonly List<PosixSignalRegistration> registrations = new();
    private readonly GuestKernel kernel;
    private int signal;
    private volatile bool ended;

    public RunInterruption(GuestKernel kernel)
    {
        this.kernel = kernel;
        foreach (PosixSignal s in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
            registrations.Add(PosixSignalRegistration.Create(s, OnSignal));
    }

    /// <summary>The number of the first signal that ended the run; 0 if none did.</summary>
    public int Signal => Volatile.Read(ref signal);

    /// <summary>
    /// The guests are gone (init's host pid may already be another process's): a signal from now on, while the
    /// layer is saved, is only recorded.
    /// </summary>
    public void RunEnded() => ended = true;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // the runtime would end the process at once, losing the layer
        int number = context.Signal switch { PosixSignal.SIGINT => 2, PosixSignal.SIGTERM => 15, _ => 1 };
        if (Interlocked.CompareExchange(ref signal, number, 0) != 0 || ended) return;
        // A signal that comes while the first guest is still being started waits for it to be there.
        for (int i = 0; i < 200 && kernel.Init == null; i++) Thread.Sleep(25);
        if (kernel.Init is { } init && !ended) Tmds.Linux.LibC.kill(init.HostTgid, 9 /* SIGKILL */);
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration r in registrations) r.Dispose();
    }
}
