using System;
using System.Buffers.Binary;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Syscalls;

/// <summary>The stat family: metadata comes from the VFS, never from the memfd that carries the bytes.</summary>
public static partial class Sys
{
    private const int NR_fstat = (int)Sysno.fstat, NR_statx = (int)Sysno.statx;

    /// <summary>stat(2)</summary>
    public static SyscallResult Stat(SyscallContext ctx) => StatAt(ctx, AtFlags.AT_FDCWD, 0, 1, 0);

    /// <summary>lstat(2)</summary>
    public static SyscallResult Lstat(SyscallContext ctx) => StatAt(ctx, AtFlags.AT_FDCWD, 0, 1, AtFlags.AT_SYMLINK_NOFOLLOW);

    /// <summary>fstat(2)</summary>
    public static SyscallResult Fstat(SyscallContext ctx)
    {
        Dentry? d = FileOf(ctx, ctx.IntArg(0));
        return d == null ? SyscallResult.RunOnHost : WriteStat(ctx, d.Inode, ctx.PtrArg(1));
    }

    /// <summary>newfstatat(2), which glibc's stat, lstat and fstatat use.</summary>
    public static SyscallResult Newfstatat(SyscallContext ctx) => StatAt(ctx, ctx.IntArg(0), 1, 2, ctx.IntArg(3));

    private static SyscallResult StatAt(SyscallContext ctx, int dirfd, int pathArg, int bufArg, int flags)
    {
        if ((flags & ~(AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EMPTY_PATH | AtFlags.AT_NO_AUTOMOUNT)) != 0) return Errno.EINVAL;
        bool follow = (flags & AtFlags.AT_SYMLINK_NOFOLLOW) == 0;
        if (!ResolveAt(ctx, dirfd, pathArg, follow, (flags & AtFlags.AT_EMPTY_PATH) != 0).TryGet(out Dentry? d, out Errno e)) return e;
        if (d == null) return OnHostDescriptor(ctx, NR_fstat, (ulong)dirfd, ctx.Arg(bufArg));
        return WriteStat(ctx, d.Inode, ctx.PtrArg(bufArg));
    }

    private static SyscallResult WriteStat(SyscallContext ctx, Inode i, Guest.GuestPtr buf)
    {
        Span<byte> b = stackalloc byte[Abi.Stat.Size];
        Abi.Stat.Write(b, i.StatDevice, i.Ino, i.LinkCount, i.Mode, i.Uid, i.Gid, i.Rdev, i.Size, i.SuperBlock.BlockSize,
            i.Blocks512, i.Atime.Seconds, i.Atime.Nanoseconds, i.Mtime.Seconds, i.Mtime.Nanoseconds, i.Ctime.Seconds, i.Ctime.Nanoseconds);
        return ctx.Memory.Write(buf, b) == Errno.OK ? 0 : Errno.EFAULT;
    }

    /// <summary>statx(2)</summary>
    public static SyscallResult Statx(SyscallContext ctx)
    {
        int flags = ctx.IntArg(2);
        if ((flags & ~(AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EMPTY_PATH | AtFlags.AT_NO_AUTOMOUNT | AtFlags.AT_STATX_SYNC_TYPE)) != 0) return Errno.EINVAL;
        if ((flags & AtFlags.AT_STATX_SYNC_TYPE) == AtFlags.AT_STATX_SYNC_TYPE) return Errno.EINVAL;
        if ((ctx.Arg(3) & 0x80000000u) != 0) return Errno.EINVAL; // STATX__RESERVED
        bool follow = (flags & AtFlags.AT_SYMLINK_NOFOLLOW) == 0;
        if (!ResolveAt(ctx, ctx.IntArg(0), 1, follow, (flags & AtFlags.AT_EMPTY_PATH) != 0).TryGet(out Dentry? d, out Errno e)) return e;
        // A host descriptor: the path NULL with AT_EMPTY_PATH (Linux 6.11; EFAULT from older hosts).
        if (d == null) return OnHostDescriptor(ctx, NR_statx, ctx.Arg(0), 0, (ulong)flags, ctx.Arg(3), ctx.Arg(4));

        Inode i = d.Inode;
        Span<byte> b = stackalloc byte[Abi.Statx.Size];
        Timespec? btime = i.Btime;
        // Like ext4, the creation time is reported only when asked for.
        bool wantsBtime = btime != null && (ctx.Arg(3) & Abi.Statx.STATX_BTIME) != 0;
        uint mask = Abi.Statx.STATX_BASIC_STATS | (wantsBtime ? Abi.Statx.STATX_BTIME : 0) | Abi.Statx.STATX_MNT_ID;
        Abi.Statx.WriteHeader(b, mask, (uint)i.SuperBlock.BlockSize, (uint)i.LinkCount, i.Uid, i.Gid, (ushort)i.Mode, i.Ino, (ulong)i.Size, (ulong)i.Blocks512);
        // As the VFS does: the root of a mount says so, and AUTOMOUNT and DAX are always known attributes.
        ulong mountRoot = ReferenceEquals(i, i.SuperBlock.Root) ? Abi.Statx.STATX_ATTR_MOUNT_ROOT : 0;
        Abi.Statx.WriteAttributes(b, i.StatxAttributes | mountRoot,
            i.StatxAttributesMask | Abi.Statx.STATX_ATTR_AUTOMOUNT | Abi.Statx.STATX_ATTR_DAX | Abi.Statx.STATX_ATTR_MOUNT_ROOT);
        Abi.Statx.WriteTime(b, Abi.Statx.Atime, i.Atime.Seconds, i.Atime.Nanoseconds);
        if (wantsBtime && btime is { } born) Abi.Statx.WriteTime(b, Abi.Statx.Btime, born.Seconds, born.Nanoseconds);
        Abi.Statx.WriteTime(b, Abi.Statx.Ctime, i.Ctime.Seconds, i.Ctime.Nanoseconds);
        Abi.Statx.WriteTime(b, Abi.Statx.Mtime, i.Mtime.Seconds, i.Mtime.Nanoseconds);
        Abi.Statx.WriteDevices(b, DevT.Major(i.Rdev), DevT.Minor(i.Rdev), DevT.Major(i.StatDevice), DevT.Minor(i.StatDevice),
            (ulong)ctx.Kernel.MountIdOf(i.SuperBlock));
        return ctx.Memory.Write(ctx.PtrArg(4), b) == Errno.OK ? 0 : Errno.EFAULT;
    }

    /// <summary>statfs(2)</summary>
    public static SyscallResult Statfs(SyscallContext ctx)
    {
        if (!ResolveAt(ctx, AtFlags.AT_FDCWD, 0, true).TryGet(out Dentry? d, out Errno e)) return e;
        return WriteStatfs(ctx, d!, ctx.PtrArg(1));
    }

    /// <summary>fstatfs(2)</summary>
    public static SyscallResult Fstatfs(SyscallContext ctx)
    {
        Dentry? d = FileOf(ctx, ctx.IntArg(0));
        return d == null ? SyscallResult.RunOnHost : WriteStatfs(ctx, d, ctx.PtrArg(1));
    }

    /// <summary>The filesystem's figures; f_flags are the mount's (ST_RDONLY for a read-only mount or filesystem).</summary>
    private static SyscallResult WriteStatfs(SyscallContext ctx, Dentry file, Guest.GuestPtr buf)
    {
        SuperBlock sb = file.Inode.SuperBlock;
        Span<byte> b = stackalloc byte[120];
        b.Clear();
        BinaryPrimitives.WriteInt64LittleEndian(b[0..], sb.Magic);
        BinaryPrimitives.WriteInt64LittleEndian(b[8..], sb.BlockSize);
        BinaryPrimitives.WriteUInt64LittleEndian(b[16..], sb.TotalBlocks);
        BinaryPrimitives.WriteUInt64LittleEndian(b[24..], sb.FreeBlocks);
        BinaryPrimitives.WriteUInt64LittleEndian(b[32..], sb.FreeBlocks);
        BinaryPrimitives.WriteUInt64LittleEndian(b[40..], sb.TotalInodes);
        BinaryPrimitives.WriteUInt64LittleEndian(b[48..], sb.FreeInodes);
        BinaryPrimitives.WriteUInt64LittleEndian(b[56..], sb.Device);
        BinaryPrimitives.WriteInt64LittleEndian(b[64..], PathWalk.NAME_MAX);
        BinaryPrimitives.WriteInt64LittleEndian(b[72..], sb.BlockSize);
        BinaryPrimitives.WriteInt64LittleEndian(b[80..], file.IsReadOnly ? 1 : 0); // ST_RDONLY
        return ctx.Memory.Write(buf, b) == Errno.OK ? 0 : Errno.EFAULT;
    }
}
