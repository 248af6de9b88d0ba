using System;
using System.Collections.Generic;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Loader;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// execve(2): the kernel resolves the program, follows #! lines and checks the ELF headers; then the host
/// executes the kernel's stub in the thread's place (copying argv and envp, so E2BIG and EFAULT are the
/// host's), and the loader maps the real program when that exec returns. The stub reaches the host as a
/// descriptor the kernel installs, executed with execveat(fd, "", AT_EMPTY_PATH), never as a path in guest
/// memory; and the exec is checked when it returns: the thread must now run the stub, or it is killed.
/// </summary>
public static partial class Sys
{
    private const int NR_execveat = (int)Sysno.execveat;
    private const int BINPRM_MAX_RECURSION = 4;

    /// <summary>execve(2)</summary>
    public static SyscallResult Execve(SyscallContext ctx) => ExecveAt(ctx, AtFlags.AT_FDCWD, 0, 1, 2, 0);

    /// <summary>execveat(2)</summary>
    public static SyscallResult Execveat(SyscallContext ctx) => ExecveAt(ctx, ctx.IntArg(0), 1, 2, 3, ctx.IntArg(4));

    private static SyscallResult ExecveAt(SyscallContext ctx, int dirfd, int pathArg, int argvArg, int envpArg, int flags)
    {
        if (ctx.Task.PendingExec is { Reissued: true } reissued) return ExecStub(ctx, reissued);
        if ((flags & ~(AtFlags.AT_EMPTY_PATH | AtFlags.AT_SYMLINK_NOFOLLOW)) != 0) return Errno.EINVAL;
        if (!ctx.ReadPath(pathArg).TryGet(out string? path, out Errno e)) return e;
        bool follow = (flags & AtFlags.AT_SYMLINK_NOFOLLOW) == 0;
        if (!ResolveAt(ctx, dirfd, path, follow, (flags & AtFlags.AT_EMPTY_PATH) != 0).TryGet(out Dentry? program, out e)) return e;
        if (program == null) return Errno.EACCES; // a host descriptor is no guest program
        if (program.Inode.IsSymlink) return Errno.ELOOP;

        string comm = dirfd != AtFlags.AT_FDCWD && !path.StartsWith('/') ? program.Name : path[(path.LastIndexOf('/') + 1)..];
        if (!PlanExec(ctx, program, path, comm).TryGet(out ExecPlan? plan, out e)) return e;
        if (!ctx.Kernel.HostFiles.OpenForGuest(ctx.Kernel.StubDentry, OpenFlags.O_RDONLY).TryGet(out int stub, out e)) return e;
        long stubFd = ElfLoader.InstallForExec(ctx.Thread, stub);
        HostFiles.CloseKernelDescriptor(stub);
        if (stubFd < 0) return (Errno)(-stubFd);

        // The empty name is the NUL that ends the guest's own path. A sibling may change it, or the descriptor, before
        // the host reads them; then whatever the host executed is not the stub, and the check at exit kills it unrun.
        plan.StubGuestFd = (int)stubFd;
        plan.GuestNumber = ctx.Number;
        ctx.Original.CopyTo(plan.GuestArguments, 0);
        plan.TracedArguments = ctx.TracedArguments;
        plan.Reissued = true;
        ctx.Task.PendingExec = plan;
        ctx.RewriteNumber(NR_execveat);
        ctx.Rewrite(0, (ulong)stubFd);
        ctx.Rewrite(1, ctx.PtrArg(pathArg).Add(Names.ToBytes(path).Length).Address);
        ctx.Rewrite(2, ctx.Arg(argvArg));
        ctx.Rewrite(3, ctx.Arg(envpArg));
        ctx.Rewrite(4, (ulong)AtFlags.AT_EMPTY_PATH);
        // Installing the descriptor ran a call in the thread, which ended this stop: the thread makes the call anew.
        return SyscallResult.Reissue;
    }

    /// <summary>
    /// The stop of the execveat the kernel reissued: the host executes the stub, and the loader takes over at its exit.
    /// The guest's own call is what the tracer prints and what the guest's registers hold if the exec fails.
    /// </summary>
    private static SyscallResult ExecStub(SyscallContext ctx, ExecPlan plan)
    {
        plan.Reissued = false;
        if (ctx.Number != NR_execveat || ctx.IntArg(0) != plan.StubGuestFd || ctx.IntArg(4) != AtFlags.AT_EMPTY_PATH)
        {
            ctx.Task.PendingExec = null; // not the call the kernel made (a sibling rewrote the instruction): judged afresh
            return ExecveAt(ctx, ctx.IntArg(0), 1, 2, 3, ctx.IntArg(4));
        }
        ctx.ContinuesReissued(plan.GuestNumber, plan.GuestArguments, plan.TracedArguments);
        ctx.AtExit(FinishExecAtExit);
        return SyscallResult.RunOnHost;
    }

    /// <summary>The host's exec of the stub returned: the kernel checks what runs now and loads the guest's program.</summary>
    private static ExitOutcome FinishExecAtExit(SyscallContext ctx, IGuestThread thread, long rax) => ctx.Kernel.FinishExec(ctx.Task, thread, rax);

    /// <summary>Follows #! lines (at most four deep, as Linux) down to an ELF program, and checks it.</summary>
    internal static Result<ExecPlan> PlanExec(SyscallContext ctx, Dentry program, string pathAsGiven, string comm)
    {
        List<byte[]>? argvPrefix = null;
        string currentName = pathAsGiven;
        Span<byte> head = stackalloc byte[Shebang.MaxLine];
        for (int depth = 0; ; depth++)
        {
            Inode inode = program.Inode;
            if (!inode.IsRegular) return Errno.EACCES;
            if (!Permissions.May(ctx.Task.Group.Credentials, inode, AccessMode.X_OK)) return Errno.EACCES;
            if (HostFiles.IsOpenForWriting(inode)) return Errno.ETXTBSY; // do_open_execat's deny_write_access
            if (!inode.Read(0, head).TryGet(out int n, out Errno e)) return e;

            if (Shebang.Parse(head[..n]) is not { } shebang)
            {
                if (!ElfFile.HasElfMagic(head[..n])) return Errno.ENOEXEC;
                return PlanElf(ctx, program, argvPrefix, pathAsGiven, comm);
            }
            if (depth >= BINPRM_MAX_RECURSION) return Errno.ELOOP;

            var prefix = new List<byte[]> { Names.ToBytes(shebang.Interpreter) };
            if (shebang.Argument != null) prefix.Add(Names.ToBytes(shebang.Argument));
            prefix.Add(Names.ToBytes(currentName));
            if (argvPrefix != null) prefix.AddRange(argvPrefix.GetRange(1, argvPrefix.Count - 1));
            argvPrefix = prefix;

            if (!ResolveAt(ctx, AtFlags.AT_FDCWD, shebang.Interpreter, true).TryGet(out Dentry? interp, out e)) return e;
            program = interp!;
            currentName = shebang.Interpreter;
        }
    }

    private static Result<ExecPlan> PlanElf(SyscallContext ctx, Dentry program, List<byte[]>? argvPrefix, string pathAsGiven, string comm)
    {
        if (!ElfFile.Parse(program.Inode).TryGet(out ElfFile? elf, out Errno e)) return e;

        Dentry? interp = null;
        ElfFile? interpElf = null;
        if (elf.Interpreter != null)
        {
            if (!ResolveAt(ctx, AtFlags.AT_FDCWD, elf.Interpreter, true).TryGet(out interp, out e)) return e;
            if (!interp!.Inode.IsRegular) return Errno.EACCES;
            if (HostFiles.IsOpenForWriting(interp.Inode)) return Errno.ETXTBSY;
            if (!ElfFile.Parse(interp.Inode).TryGet(out interpElf, out e)) return e == Errno.ENOEXEC ? Errno.ELIBBAD : e;
            if (interpElf.Interpreter != null) return Errno.ELIBBAD;
        }

        return new ExecPlan
        {
            Program = program,
            Elf = elf,
            Interpreter = interp,
            InterpreterElf = interpElf,
            ArgvPrefix = argvPrefix,
            ExecFn = Names.ToBytes(pathAsGiven),
            Comm = TaskComm(comm),
        };
    }

    /// <summary>A task name as Linux keeps it: at most TASK_COMM_LEN - 1 bytes.</summary>
    private static byte[] TaskComm(string name)
    {
        byte[] bytes = Names.ToBytes(name);
        return bytes.Length > 15 ? bytes[..15] : bytes;
    }
}
