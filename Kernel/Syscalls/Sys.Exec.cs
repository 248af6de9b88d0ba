using System;
using System.Collections.Generic;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Loader;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// execve(2): the kernel resolves the program, follows #! lines and checks the ELF headers; then the host
/// executes the kernel's stub in the thread's place (copying argv and envp, so E2BIG and EFAULT are the
/// host's), and the loader maps the real program when that exec returns.
/// </summary>
public static partial class Sys
{
    private const int NR_execve = 59;
    private const int BINPRM_MAX_RECURSION = 4;

    /// <summary>execve(2)</summary>
    public static SyscallResult Execve(SyscallContext ctx) => ExecveAt(ctx, AtFlags.AT_FDCWD, 0, 1, 2, 0);

    /// <summary>execveat(2)</summary>
    public static SyscallResult Execveat(SyscallContext ctx) => ExecveAt(ctx, ctx.IntArg(0), 1, 2, 3, ctx.IntArg(4));

    private static SyscallResult ExecveAt(SyscallContext ctx, int dirfd, int pathArg, int argvArg, int envpArg, int flags)
    {
        if ((flags & ~(AtFlags.AT_EMPTY_PATH | AtFlags.AT_SYMLINK_NOFOLLOW)) != 0) return Errno.EINVAL;
        if (!ctx.ReadPath(pathArg).TryGet(out string? path, out Errno e)) return e;
        bool follow = (flags & AtFlags.AT_SYMLINK_NOFOLLOW) == 0;
        if (!ResolveAt(ctx, dirfd, path, follow, (flags & AtFlags.AT_EMPTY_PATH) != 0).TryGet(out Dentry? program, out e)) return e;
        if (program == null) return Errno.EACCES; // a host descriptor is no guest program
        if (program.Inode.IsSymlink) return Errno.ELOOP;

        if (!PlanExec(ctx, program, path).TryGet(out ExecPlan? plan, out e)) return e;
        if (!ctx.Kernel.HostFiles.PathFor(ctx.Kernel.StubDentry).TryGet(out string? stubPath, out e)) return e;

        ctx.RewriteNumber(NR_execve);
        if ((e = RewritePath(ctx, 0, stubPath)) != Errno.OK) return e;
        ctx.Rewrite(1, ctx.Arg(argvArg));
        ctx.Rewrite(2, ctx.Arg(envpArg));
        ctx.Task.PendingExec = plan;
        ctx.OnExit = ExitAction.FinishExec;
        return SyscallResult.RunOnHost;
    }

    /// <summary>Follows #! lines (at most four deep, as Linux) down to an ELF program, and checks it.</summary>
    internal static Result<ExecPlan> PlanExec(SyscallContext ctx, Dentry program, string pathAsGiven)
    {
        List<byte[]>? argvPrefix = null;
        string currentName = pathAsGiven;
        Span<byte> head = stackalloc byte[Shebang.MaxLine];
        for (int depth = 0; ; depth++)
        {
            Inode inode = program.Inode;
            if (!inode.IsRegular) return Errno.EACCES;
            if (!Permissions.May(ctx.Task.Group.Credentials, inode, AccessMode.X_OK)) return Errno.EACCES;
            if (!inode.Read(0, head).TryGet(out int n, out Errno e)) return e;

            if (Shebang.Parse(head[..n]) is not { } shebang)
            {
                if (!ElfFile.HasElfMagic(head[..n])) return Errno.ENOEXEC;
                return PlanElf(ctx, program, argvPrefix, pathAsGiven);
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

    private static Result<ExecPlan> PlanElf(SyscallContext ctx, Dentry program, List<byte[]>? argvPrefix, string pathAsGiven)
    {
        if (!ElfFile.Parse(program.Inode).TryGet(out ElfFile? elf, out Errno e)) return e;
        if (!ctx.Kernel.HostFiles.PathFor(program).TryGet(out string? programPath, out e)) return e;

        Dentry? interp = null;
        ElfFile? interpElf = null;
        string? interpPath = null;
        if (elf.Interpreter != null)
        {
            if (!ResolveAt(ctx, AtFlags.AT_FDCWD, elf.Interpreter, true).TryGet(out interp, out e)) return e;
            if (!interp!.Inode.IsRegular) return Errno.EACCES;
            if (!ElfFile.Parse(interp.Inode).TryGet(out interpElf, out e)) return e == Errno.ENOEXEC ? Errno.ELIBBAD : e;
            if (interpElf.Interpreter != null) return Errno.ELIBBAD;
            if (!ctx.Kernel.HostFiles.PathFor(interp).TryGet(out interpPath, out e)) return e;
        }

        return new ExecPlan
        {
            Program = program, Elf = elf, ProgramHostPath = programPath,
            Interpreter = interp, InterpreterElf = interpElf, InterpreterHostPath = interpPath,
            ArgvPrefix = argvPrefix, ExecFn = Names.ToBytes(pathAsGiven),
        };
    }
}
