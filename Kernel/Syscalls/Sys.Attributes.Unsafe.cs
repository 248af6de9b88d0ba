using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Syscalls;

/// <summary>ftruncate(2): the part of the attribute calls that asks the host about the kernel's duplicate through pointers.</summary>
public static partial class Sys
{
    /// <summary>
    /// ftruncate(2), made by the kernel on its duplicate of the guest's descriptor. A file of the content store may grow
    /// only as far as the store has room (ENOSPC past --disk-size, where Linux would make a hole); any other file is as
    /// the host answers.
    /// </summary>
    public static unsafe SyscallResult Ftruncate(SyscallContext ctx)
    {
        long length = (long)ctx.Arg(1);
        if (length < 0) return Errno.EINVAL;
        if (!ctx.Thread.DuplicateDescriptor(ctx.IntArg(0)).TryGet(out int fd, out Errno e)) return e;
        try
        {
            Tmds.Linux.stat st;
            if (Tmds.Linux.LibC.fstat(fd, &st) != 0) return (Errno)Tmds.Linux.LibC.errno;
            // The host checks the descriptor (EINVAL unless a regular file open for writing) before the size.
            bool writable = (Tmds.Linux.LibC.fcntl(fd, 3 /* F_GETFL */) & OpenFlags.O_ACCMODE) != OpenFlags.O_RDONLY;
            if (writable && ((uint)st.st_mode & FileMode.S_IFMT) == FileMode.S_IFREG && length > st.st_size && (ulong)length > FileSizeLimit(ctx)) return FileTooBig;
            if ((ulong)st.st_dev == ctx.Kernel.Store.Device && !ctx.Kernel.Store.Fits(length - st.st_size))
                return Errno.ENOSPC;
            return Tmds.Linux.LibC.ftruncate(fd, length) == 0 ? 0 : (Errno)Tmds.Linux.LibC.errno;
        }
        finally
        {
            HostFiles.CloseKernelDescriptor(fd);
        }
    }
}
