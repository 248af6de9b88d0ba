using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using UserKernel.Kernel;

namespace UserKernel.Tools.Commands.Runtime;

/// <summary>
/// Signals sent to the sandbox (by `kill`, or by an engine to the container's pid) go to the guest's pid 1 as they would
/// reach a namespace's init from outside: delivered if it catches them, dropped if it would die of them by default
/// (so `podman stop` of a program that ignores SIGTERM ends with SIGKILL, as under runc). SIGKILL ends the sandbox
/// itself, and with it every guest (they are traced with PTRACE_O_EXITKILL). Before `start` a signal ends the sandbox.
/// </summary>
internal sealed class SignalForwarding : IDisposable
{
    // Not SIGWINCH: the terminal sends it to its foreground group, the guest's, itself.
    private static readonly int[] Forwarded = [1, 2, 3, 10, 12, 14, 15]; // HUP INT QUIT USR1 USR2 ALRM TERM
    private readonly List<PosixSignalRegistration> registrations = new();
    private readonly GuestKernel kernel;
    private volatile bool started, ended;

    public SignalForwarding(GuestKernel kernel)
    {
        this.kernel = kernel;
        foreach (int s in Forwarded) registrations.Add(PosixSignalRegistration.Create((PosixSignal)s, OnSignal));
    }

    public void Started() => started = true;

    public void RunEnded() => ended = true;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        // Registered by number, the signals come back as their numbers; the named ones map as a precaution.
        int number = context.Signal switch
        {
            PosixSignal.SIGHUP => 1,
            PosixSignal.SIGINT => 2,
            PosixSignal.SIGQUIT => 3,
            PosixSignal.SIGTERM => 15,
            var raw => (int)raw,
        };
        if (ended) return;
        if (!started)
        {
            if (number != 28) Environment.Exit(128 + number);
            return;
        }
        if (kernel.Init is { } init && Catches(init.HostTgid, number)) Tmds.Linux.LibC.kill(init.HostTgid, number);
    }

    /// <summary>Whether the host process has a handler for the signal (SigCgt of /proc/PID/status: the guest's own handlers are the host's).</summary>
    private static bool Catches(int hostPid, int signal)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{hostPid}/status"))
                if (line.StartsWith("SigCgt:", StringComparison.Ordinal))
                    return (ulong.Parse(line[7..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << (signal - 1))) != 0;
        }
        catch (IOException) { }
        return false;
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration r in registrations) r.Dispose();
    }
}
