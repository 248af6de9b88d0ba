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
    private const int NR_mmap = (int)Sysno.mmap, NR_mprotect = (int)Sysno.mprotect, NR_close = (int)Sysno.close;
    private const ulong PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    private const ulong MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20;
    private const ulong PAGE = 4096;
    private const ulong PieBase = 0x5555_5555_4000;

    private static ulong PageDown(ulong v) => v & ~(PAGE - 1);
    private static ulong PageUp(ulong v) => (v + PAGE - 1) & ~(PAGE - 1);

    /// <summary>Finishes an exec. Past the point of no return, so a failure means the thread must be killed.</summary>
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

        if (!MapElf(thread, plan.Elf, files, plan.Program, PieBase).TryGet(out ulong bias, out Errno e)) return e;
        ulong entry = plan.Elf.Entry + bias;
        ulong interpBase = 0;
        if (plan.InterpreterElf != null)
        {
            if (!MapElf(thread, plan.InterpreterElf, files, plan.Interpreter!, 0).TryGet(out interpBase, out e)) return e;
            entry = plan.InterpreterElf.Entry + interpBase;
        }

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
        if ((e = memory.Write(new GuestPtr(sp), bytes)) != Errno.OK) return e;
        NameTask(thread, plan.Comm, sp - 256, stackStart);
        thread.SetStartRegisters(entry, sp);
        return Errno.OK;
    }

    /// <summary>
    /// Gives the host task the guest's name, so that prctl(PR_GET_NAME), a thread's inherited name and /proc agree (the
    /// host named it after the stub). The name goes in the fresh stack below the initial one: nothing else runs in this
    /// address space yet, and PR_SET_NAME names only the caller.
    /// </summary>
    private static void NameTask(IGuestThread thread, byte[] comm, ulong at, ulong stackStart)
    {
        const int NR_prctl = (int)Sysno.prctl, PR_SET_NAME = 15;
        if (at < stackStart) return;
        byte[] name = new byte[comm.Length + 1];
        comm.CopyTo(name, 0);
        if (thread.Memory.Write(new GuestPtr(at), name) == Errno.OK) thread.InjectSyscall(NR_prctl, PR_SET_NAME, at);
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
        if (fd != -(long)Errno.EMFILE || thread.GetLimit(Rlimit.RLIMIT_NOFILE) is not { } limit) return fd;
        var lent = new Rlimit { rlim_cur = limit.rlim_cur + 1, rlim_max = Math.Max(limit.rlim_max, limit.rlim_cur + 1) };
        if (!thread.SetLimit(Rlimit.RLIMIT_NOFILE, lent)) return fd;
        fd = thread.InstallDescriptor(kernelFd, closeOnExec: true);
        thread.SetLimit(Rlimit.RLIMIT_NOFILE, limit);
        return fd;
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

    /// <summary>Maps every PT_LOAD of <paramref name="elf"/>; returns the load bias (0 for ET_EXEC).</summary>
    private static Result<ulong> MapElf(IGuestThread thread, ElfFile elf, HostFiles files, Dentry file, ulong hint)
    {
        ulong low = ulong.MaxValue, high = 0;
        foreach (ProgramHeader h in elf.Headers)
        {
            if (h.Type != ProgramHeader.PT_LOAD) continue;
            low = Math.Min(low, PageDown(h.Vaddr));
            high = Math.Max(high, PageUp(h.Vaddr + h.Memsz));
        }

        if (!files.OpenForGuest(file, OpenFlags.O_RDONLY).TryGet(out int kernelFd, out Errno e)) return e;
        long fd = InstallForExec(thread, kernelFd);
        HostFiles.CloseKernelDescriptor(kernelFd);
        if (fd < 0) return (Errno)(-fd);

        try
        {
            ulong bias = 0;
            if (elf.Type == ElfFile.ET_DYN)
            {
                long reserved = thread.InjectSyscall(NR_mmap, hint, high - low, 0, MAP_PRIVATE | MAP_ANONYMOUS, ulong.MaxValue, 0);
                if (reserved < 0 && reserved > -4096) return (Errno)(-reserved);
                bias = (ulong)reserved - low;
            }

            foreach (ProgramHeader h in elf.Headers)
            {
                if (h.Type != ProgramHeader.PT_LOAD) continue;
                ulong prot = ((h.Flags & ProgramHeader.PF_R) != 0 ? PROT_READ : 0) | ((h.Flags & ProgramHeader.PF_W) != 0 ? PROT_WRITE : 0) |
                             ((h.Flags & ProgramHeader.PF_X) != 0 ? PROT_EXEC : 0);
                ulong start = PageDown(h.Vaddr + bias);
                ulong fileEnd = h.Vaddr + bias + h.Filesz;
                ulong memEnd = h.Vaddr + bias + h.Memsz;
                if (h.Filesz > 0)
                {
                    long r = thread.InjectSyscall(NR_mmap, start, PageUp(fileEnd) - start, prot, MAP_PRIVATE | MAP_FIXED, (ulong)fd, PageDown(h.Offset));
                    if (r < 0 && r > -4096) return (Errno)(-r);
                }
                if (h.Memsz <= h.Filesz) continue;

                // The tail of the last file page belongs to .bss: it must read as zeros.
                ulong tail = PageUp(fileEnd) - fileEnd;
                if (h.Filesz > 0 && tail > 0)
                {
                    bool writable = (prot & PROT_WRITE) != 0;
                    if (!writable) thread.InjectSyscall(NR_mprotect, PageDown(fileEnd), PAGE, prot | PROT_WRITE);
                    e = thread.Memory.Write(new GuestPtr(fileEnd), new byte[tail]);
                    if (!writable) thread.InjectSyscall(NR_mprotect, PageDown(fileEnd), PAGE, prot);
                    if (e != Errno.OK) return e;
                }
                ulong anonStart = h.Filesz > 0 ? PageUp(fileEnd) : start;
                if (PageUp(memEnd) > anonStart)
                {
                    long r = thread.InjectSyscall(NR_mmap, anonStart, PageUp(memEnd) - anonStart, prot, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, ulong.MaxValue, 0);
                    if (r < 0 && r > -4096) return (Errno)(-r);
                }
            }
            return bias;
        }
        finally
        {
            thread.InjectSyscall(NR_close, (ulong)fd);
        }
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
