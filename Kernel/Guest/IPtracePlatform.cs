using System;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Tasks;
using Task = UserKernel.Kernel.Tasks.Task;

namespace UserKernel.Kernel.Guest;

/// <summary>
/// What guest ptrace needs of the platform: the host thread of a tracee the kernel holds stopped for its guest tracer,
/// read, written and resumed on the guest tracer's behalf. Every method runs on the platform's tracer thread, at a stop of
/// the guest tracer's own ptrace call. Requests use Linux's numbers and the kernel's own buffers, never guest addresses.
/// </summary>
public interface IPtracePlatform
{
    /// <summary>PTRACE_GETREGS, SETREGS, GETFPREGS, SETFPREGS, GETSIGINFO, SETSIGINFO with <paramref name="buffer"/> as the data.</summary>
    Errno Transfer(Task tracee, int request, Span<byte> buffer);

    /// <summary>PTRACE_PEEKTEXT, PEEKDATA, PEEKUSER: the word at <paramref name="addr"/>.</summary>
    Result<ulong> Peek(Task tracee, int request, ulong addr);

    /// <summary>PTRACE_POKETEXT, POKEDATA, POKEUSER.</summary>
    Errno Poke(Task tracee, int request, ulong addr, ulong word);

    /// <summary>PTRACE_GETREGSET, SETREGSET of note type <paramref name="type"/>: the length the host used.</summary>
    Result<int> Regset(Task tracee, int request, int type, Span<byte> buffer);

    /// <summary>
    /// Ends the stop of kind <paramref name="hold"/> the kernel held the tracee in, as the guest tracer asked (or it
    /// detached: Cont), with <paramref name="signal"/> delivered, sent or ignored as Linux does at that kind of stop.
    /// </summary>
    void Resume(Task tracee, PtraceHold hold, PtraceResume mode, int signal);

    /// <summary>PTRACE_INTERRUPT on the host: a running tracee stops (a PTRACE_EVENT_STOP), a host wait it sleeps in ends.</summary>
    void Interrupt(Task task);

    /// <summary>Whether the kernel is still starting the task (the exec of a program it starts itself): no guest may attach yet.</summary>
    bool IsStarting(Task task);
}
