using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace UserKernel.Tools.Commands.Runtime;

/// <summary>
/// A runtime command that stands for a container or a program in it (`run` without --detach, `exec`): the signals its
/// own process gets (Ctrl-C, kill) are passed on.
/// </summary>
internal sealed class SignalRelay : IDisposable
{
    private static readonly (PosixSignal Signal, int Number)[] Relayed =
        [(PosixSignal.SIGHUP, 1), (PosixSignal.SIGINT, 2), (PosixSignal.SIGQUIT, 3), (PosixSignal.SIGTERM, 15), ((PosixSignal)10, 10), ((PosixSignal)12, 12)];

    private readonly List<PosixSignalRegistration> registrations = new();

    public SignalRelay(Action<int> passOn)
    {
        foreach (var (signal, number) in Relayed)
            registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                passOn(number);
            }));
    }

    /// <summary>To the container's sandbox, which passes them to its init.</summary>
    public static SignalRelay ToProcess(int pid) => new(number => Mono.Unix.Native.Syscall.kill(pid, (Mono.Unix.Native.Signum)number));

    public void Dispose()
    {
        foreach (PosixSignalRegistration r in registrations) r.Dispose();
    }
}
