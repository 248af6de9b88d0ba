using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Security.Cryptography;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Loader;

/// <summary>
/// The kernel's own ELF loader. It runs when the host has executed the stub in place of the old program:
/// it reads back argv and envp (which the host copied, checking E2BIG and EFAULT), maps the program and
/// its interpreter from descriptors of the kernel's memfds that it installs in the thread (never by a path),
/// by injecting mmap and close, and writes the initial stack.
/// </summary>
public static class ElfLoader
{
    private const int NR_mmap = (int)Sysno.mmap, NR_mprotect = (int)Sysno.mprotect, NR_close = (int)Sysno.close, NR_prctl = (int)Sysno.prctl;
    private const ulong PR_SET_NAME = 15;

    private const ulong PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    private const ulong MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20;
    private const ulong PAGE = 4096;
    private const ulong PieBase = 0x5555_5555_4000;

    private static ulong PageDown(ulong v) => v & ~(PAGE - 1);
    private static ulong PageUp(ulong v) => (v + PAGE - 1) & ~(PAGE - 1);

    /// <summary>
    /// Finishes an exec. Past the point of no return, so a failure means the thread must be killed. Every call it makes in
    /// the thread (installing the programs' descriptors, mapping them, closing them, naming the task) goes in one
    /// <see cref="SyscallBatch"/>: one round trip where there was one per call. The thread is the only one of a fresh
    /// address space, stopped, so nothing else runs in it meanwhile.
    /// </summary>
    public static Errno Complete(IGuestThread thread, ExecPlan plan, Credentials credentials, HostFiles files)
    {
        IGuestMemory memory = thread.Memory;
        if (!thread.FindStack(out ulong stackStart, out ulong stackEnd)) return Errno.EFAULT;
        if (!ReadHostStack(memory, thread.StackPointer, stackEnd, out List<byte[]> argv, out List<byte[]> envp, out Dictionary<ulong, ulong> hostAux))
            return Errno.EFAULT;

        if (plan.ArgvPrefix != null)
        {
            var scriptArgv = new List<byte[]>(plan.ArgvPrefix);
            if (argv.Count > 1) scriptArgv.AddRange(argv.GetRange(1, argv.Count - 1));
            argv = scriptArgv;
        }

        var batch = new SyscallBatch();
        var tails = new List<Tail>();
        var kernelFds = new List<int>();
        try
        {
            if (!files.OpenForGuest(plan.Program, OpenFlags.O_RDONLY).TryGet(out int programFd, out Errno e)) return e;
            kernelFds.Add(programFd);
            ulong programLow = AddElf(batch, plan.Elf, programFd, PieBase, BatchFlags.SaveBase0, BatchFlags.AddBase0, tails);
            ulong interpLow = 0;
            if (plan.InterpreterElf != null)
            {
                if (!files.OpenForGuest(plan.Interpreter!, OpenFlags.O_RDONLY).TryGet(out int interpFd, out e)) return e;
                kernelFds.Add(interpFd);
                interpLow = AddElf(batch, plan.InterpreterElf, interpFd, 0, BatchFlags.SaveBase1, BatchFlags.AddBase1, tails);
            }
            // The host task takes the guest's name, so that prctl(PR_GET_NAME), a thread's inherited name and /proc agree
            // (the host named it after the stub); PR_SET_NAME names only the caller.
            byte[] name = new byte[plan.Comm.Length + 1];
            plan.Comm.CopyTo(name, 0);
            int naming = batch.Add(NR_prctl, BatchFlags.None, PR_SET_NAME, batch.AddData(name));

            var state = new BatchState();
            if ((e = RunLendingSlot(thread, batch, ref state)) != Errno.OK) return e;
            if (state.Next < naming) return (Errno)(-state.Result);

            ulong bias = plan.Elf.Type == ElfFile.ET_DYN ? state.Base0 - programLow : 0;
            ulong interpBase = plan.InterpreterElf != null ? state.Base1 - interpLow : 0;
            if ((e = ZeroTails(thread, tails, bias, interpBase)) != Errno.OK) return e;
            ulong entry = plan.InterpreterElf != null ? plan.InterpreterElf.Entry + interpBase : plan.Elf.Entry + bias;
            return StartProgram(thread, plan, credentials, argv, envp, hostAux, bias, interpBase, entry, stackStart, stackEnd);
        }
        finally
        {
            foreach (int fd in kernelFds) HostFiles.CloseKernelDescriptor(fd);
        }
    }

    /// <summary>Writes the initial stack and sets the registers the program starts with; records where /proc finds its strings.</summary>
    private static Errno StartProgram(IGuestThread thread, ExecPlan plan, Credentials credentials, List<byte[]> argv, List<byte[]> envp,
        Dictionary<ulong, ulong> hostAux, ulong bias, ulong interpBase, ulong entry, ulong stackStart, ulong stackEnd)
    {
        var auxv = new List<(ulong, ulong)>();
        void CopyHost(ulong key) { if (hostAux.TryGetValue(key, out ulong v)) auxv.Add((key, v)); }
        CopyHost(Auxv.AT_SYSINFO_EHDR);
        CopyHost(Auxv.AT_MINSIGSTKSZ);
        CopyHost(Auxv.AT_HWCAP);
        auxv.Add((Auxv.AT_PAGESZ, PAGE));
        CopyHost(Auxv.AT_CLKTCK);
        auxv.Add((Auxv.AT_PHDR, PhdrAddress(plan.Elf, bias)));
        auxv.Add((Auxv.AT_PHENT, 56));
        auxv.Add((Auxv.AT_PHNUM, (ulong)plan.Elf.PhNum));
        auxv.Add((Auxv.AT_BASE, interpBase));
        auxv.Add((Auxv.AT_FLAGS, 0));
        auxv.Add((Auxv.AT_ENTRY, plan.Elf.Entry + bias));
        auxv.Add((Auxv.AT_UID, credentials.Ruid));
        auxv.Add((Auxv.AT_EUID, credentials.Euid));
        auxv.Add((Auxv.AT_GID, credentials.Rgid));
        auxv.Add((Auxv.AT_EGID, credentials.Egid));
        auxv.Add((Auxv.AT_SECURE, 0));
        auxv.Add((Auxv.AT_RANDOM, 0));
        CopyHost(Auxv.AT_HWCAP2);
        auxv.Add((Auxv.AT_EXECFN, 0));
        auxv.Add((Auxv.AT_PLATFORM, 0));

        byte[] random = new byte[16];
        if (!Interop.Libc.GetRandom(random)) RandomNumberGenerator.Fill(random);
        (ulong sp, byte[] bytes) = InitialStack.Build(stackEnd, argv, envp, auxv, plan.ExecFn, random);
        if (sp < stackStart + PAGE) return Errno.E2BIG;
        Errno e = thread.Memory.Write(new GuestPtr(sp), bytes);
        if (e != Errno.OK) return e;
        plan.Areas = InitialStack.Areas(sp, bytes);
        thread.SetStartRegisters(entry, sp);
        return Errno.OK;
    }

    /// <summary>
    /// Runs the batch; if an install of it finds the caller's table full to its RLIMIT_NOFILE, runs the rest again with a
    /// slot lent past it (see <see cref="InstallForExec"/>).
    /// </summary>
    private static Errno RunLendingSlot(IGuestThread thread, SyscallBatch batch, ref BatchState state)
    {
        Errno e = batch.Run(thread, ref state);
        if (e != Errno.OK || state.Next >= batch.Calls.Count || batch.Calls[state.Next].InstallFd < 0 || state.Result != -(long)Errno.EMFILE) return e;
        BatchState resumed = state;
        if (WithLentSlot(thread, () => e = batch.Run(thread, ref resumed))) state = resumed;
        return e;
    }

    /// <summary>
    /// Installs a descriptor exec needs for a moment (the stub to execute, a program to map, closed again by the exec or the
    /// loader), close-on-exec. Linux's execve needs no free descriptor of the caller's, so a caller whose table is full to
    /// its RLIMIT_NOFILE is lent one slot past it, for the install only: the soft limit is raised by one and put back. At
    /// its hard limit that takes CAP_SYS_RESOURCE of the kernel; without it the exec answers EMFILE. The guest's
    /// descriptor number, or -errno.
    /// </summary>
    public static long InstallForExec(IGuestThread thread, int kernelFd)
    {
        long fd = thread.InstallDescriptor(kernelFd, closeOnExec: true);
        if (fd == -(long)Errno.EMFILE) WithLentSlot(thread, () => fd = thread.InstallDescriptor(kernelFd, closeOnExec: true));
        return fd;
    }

    /// <summary>Runs <paramref name="install"/> with the caller's RLIMIT_NOFILE raised by one, put back after; false if it could not be raised.</summary>
    private static bool WithLentSlot(IGuestThread thread, Action install)
    {
        if (thread.GetLimit(Rlimit.RLIMIT_NOFILE) is not { } limit) return false;
        var lent = new Rlimit { rlim_cur = limit.rlim_cur + 1, rlim_max = Math.Max(limit.rlim_max, limit.rlim_cur + 1) };
        if (!thread.SetLimit(Rlimit.RLIMIT_NOFILE, lent)) return false;
        install();
        thread.SetLimit(Rlimit.RLIMIT_NOFILE, limit);
        return true;
    }

    /// <summary>Where the program headers are in memory: PT_PHDR if present, else inside the first segment.</summary>
    private static ulong PhdrAddress(ElfFile elf, ulong bias)
    {
        foreach (ProgramHeader h in elf.Headers)
            if (h.Type == ProgramHeader.PT_PHDR) return h.Vaddr + bias;
        foreach (ProgramHeader h in elf.Headers)
            if (h.Type == ProgramHeader.PT_LOAD && elf.PhOff >= h.Offset && elf.PhOff < h.Offset + h.Filesz)
                return elf.PhOff - h.Offset + h.Vaddr + bias;
        return 0;
    }

    /// <summary>The part of a file page past a segment's file bytes, which belongs to its .bss and must read as zeros.</summary>
    private readonly record struct Tail(ulong Vaddr, ulong Length, bool Interpreter, bool Writable, ulong Prot);

    /// <summary>
    /// Adds the calls that map every PT_LOAD of <paramref name="elf"/> from the kernel's <paramref name="kernelFd"/>: its
    /// install, for ET_DYN a reservation of the whole span (kept as a base, the later addresses relative to it), one mmap
    /// per segment's file pages and per segment's anonymous rest, the close. Returns the lowest page address of the span.
    /// </summary>
    private static ulong AddElf(SyscallBatch batch, ElfFile elf, int kernelFd, ulong hint, BatchFlags saveBase, BatchFlags addBase, List<Tail> tails)
    {
        ulong low = ulong.MaxValue, high = 0;
        foreach (ProgramHeader h in elf.Headers)
        {
            if (h.Type != ProgramHeader.PT_LOAD) continue;
            low = Math.Min(low, PageDown(h.Vaddr));
            high = Math.Max(high, PageUp(h.Vaddr + h.Memsz));
        }

        batch.Install(kernelFd);
        bool dyn = elf.Type == ElfFile.ET_DYN;
        // ET_EXEC addresses are absolute; ET_DYN ones are offsets from the reservation the host placed (at the hint if free).
        ulong origin = dyn ? low : 0;
        BatchFlags relative = dyn ? addBase : BatchFlags.None;
        if (dyn) batch.Add(NR_mmap, saveBase, hint, high - low, 0, MAP_PRIVATE | MAP_ANONYMOUS, ulong.MaxValue, 0);

        IReadOnlyList<ProgramHeader> headers = elf.Headers;
        for (int i = 0; i < headers.Count; i++)
        {
            ProgramHeader h = headers[i];
            if (h.Type != ProgramHeader.PT_LOAD) continue;
            ulong prot = ((h.Flags & ProgramHeader.PF_R) != 0 ? PROT_READ : 0) | ((h.Flags & ProgramHeader.PF_W) != 0 ? PROT_WRITE : 0) |
                         ((h.Flags & ProgramHeader.PF_X) != 0 ? PROT_EXEC : 0);
            ulong start = PageDown(h.Vaddr);
            ulong fileEnd = h.Vaddr + h.Filesz;
            ulong memEnd = h.Vaddr + h.Memsz;
            if (h.Filesz > 0)
                batch.Add(NR_mmap, BatchFlags.FdInR8 | relative, start - origin, PageUp(fileEnd) - start, prot, MAP_PRIVATE | MAP_FIXED, 0, PageDown(h.Offset));
            if (h.Memsz <= h.Filesz) continue;

            ulong tail = PageUp(fileEnd) - fileEnd;
            // A later segment mapped over that page replaces it whole, as when Linux zeroes the tail before mapping it.
            if (h.Filesz > 0 && tail > 0 && !MappedLater(headers, i, PageDown(fileEnd)))
            {
                bool writable = (prot & PROT_WRITE) != 0;
                // Made writable for the zeros, and given its protection back after them (a second, rare, batch).
                if (!writable) batch.Add(NR_mprotect, relative, PageDown(fileEnd) - origin, PAGE, prot | PROT_WRITE);
                tails.Add(new Tail(fileEnd, tail, saveBase == BatchFlags.SaveBase1, writable, prot));
            }
            ulong anonStart = h.Filesz > 0 ? PageUp(fileEnd) : start;
            if (PageUp(memEnd) > anonStart)
                batch.Add(NR_mmap, relative, anonStart - origin, PageUp(memEnd) - anonStart, prot, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, ulong.MaxValue, 0);
        }
        batch.Add(NR_close, BatchFlags.FdInRdi);
        return low;
    }

    /// <summary>Whether a PT_LOAD after header <paramref name="index"/> maps the page at <paramref name="page"/>.</summary>
    private static bool MappedLater(IReadOnlyList<ProgramHeader> headers, int index, ulong page)
    {
        for (int j = index + 1; j < headers.Count; j++)
        {
            ProgramHeader h = headers[j];
            if (h.Type == ProgramHeader.PT_LOAD && PageDown(h.Vaddr) <= page && page < PageUp(h.Vaddr + h.Memsz)) return true;
        }
        return false;
    }

    /// <summary>Zeroes the .bss tails of the mapped segments; those of read-only segments get their protection back after.</summary>
    private static Errno ZeroTails(IGuestThread thread, List<Tail> tails, ulong bias, ulong interpBase)
    {
        if (tails.Count == 0) return Errno.OK;
        var restore = new SyscallBatch();
        foreach (Tail t in tails)
        {
            ulong at = t.Vaddr + (t.Interpreter ? interpBase : bias);
            Errno e = thread.Memory.Write(new GuestPtr(at), new byte[t.Length]);
            if (e != Errno.OK) return e;
            if (!t.Writable) restore.Add(NR_mprotect, BatchFlags.None, PageDown(at), PAGE, t.Prot);
        }
        if (restore.Calls.Count == 0) return Errno.OK;
        var state = new BatchState();
        Errno run = restore.Run(thread, ref state);
        return run != Errno.OK ? run : state.Next < restore.Calls.Count ? (Errno)(-state.Result) : Errno.OK;
    }

    /// <summary>
    /// Reads argc, argv, envp and the auxiliary vector the host built for the stub. The host put all of it, strings
    /// included, between the stack pointer and the top of the stack, so one read of that span brings it in (a read per
    /// pointer and string took two round trips per argument).
    /// </summary>
    private static bool ReadHostStack(IGuestMemory memory, ulong sp, ulong stackEnd, out List<byte[]> argv, out List<byte[]> envp, out Dictionary<ulong, ulong> aux)
    {
        argv = new(); envp = new(); aux = new();
        const ulong MaxSpan = 16 << 20; // past ARG_MAX's worth of strings and pointers
        if (stackEnd <= sp || stackEnd - sp > MaxSpan) return false;
        byte[] stack = new byte[stackEnd - sp];
        if (memory.Read(new GuestPtr(sp), stack) != Errno.OK) return false;

        ulong Word(int at) => at + 8 <= stack.Length ? BinaryPrimitives.ReadUInt64LittleEndian(stack.AsSpan(at)) : ulong.MaxValue;
        bool Strings(ref int at, List<byte[]> into)
        {
            for (; ; at += 8)
            {
                ulong p = Word(at);
                if (p == 0) { at += 8; return true; }
                if (p < sp || p >= stackEnd) return false;
                int from = (int)(p - sp), end = Array.IndexOf(stack, (byte)0, from);
                if (end < 0) return false;
                into.Add(stack.AsSpan(from, end - from).ToArray());
            }
        }

        ulong argc = Word(0);
        int next = 8;
        if (!Strings(ref next, argv) || (ulong)argv.Count != argc || !Strings(ref next, envp)) return false;
        for (int i = 0; i < 64; i++, next += 16)
        {
            ulong key = Word(next);
            if (key == ulong.MaxValue) return false;
            if (key == Auxv.AT_NULL) return true;
            aux[key] = Word(next + 8);
        }
        return false;
    }
}
