using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace UserKernel.Tools.Commands.Runtime;

/// <summary>`run` without --detach: the signals its own process gets (Ctrl-C, kill) are passed to the container's sandbox.</summary>
internal sealed class SignalRelay : IDisposable
{
    private readonly List<PosixSignalRegistration> registrations = new();

    public SignalRelay(int sandboxPid)
    {
        foreach (var (signal, number) in new[] { (PosixSignal.SIGHUP, 1), (PosixSignal.SIGINT, 2), (PosixSignal.SIGQUIT, 3), (PosixSignal.SIGTERM, 15) })
            registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                Mono.Unix.Native.Syscall.kill(sandboxPid, (Mono.Unix.Native.Signum)number);
            }));
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration r in registrations) r.Dispose();
    }
}
