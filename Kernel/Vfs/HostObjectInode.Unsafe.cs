using System;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace UserKernel.Kernel.Vfs;

/// <summary>
/// An object the guest holds but the VFS does not own: a pipe, a socket, the terminal, a host file the
/// guest was started with. It has no name of its own; it is reached through a magic link such as
/// /proc/PID/fd/N, like Linux's nd_jump_link, and opening it reopens the host object through the host's
/// own /proc/HOSTPID/fd/N. Its metadata is the host's.
/// </summary>
public sealed unsafe class HostObjectInode : Inode
{
    private readonly stat st;

    private HostObjectInode(SuperBlock superBlock, string hostPath, in stat st) : base(superBlock, st.st_ino)
    {
        HostDevicePath = hostPath;
        this.st = st;
    }

    /// <summary>The object behind a host magic link (/proc/TID/fd/N), or null if the descriptor is closed.</summary>
    public static HostObjectInode? Of(SuperBlock superBlock, string path)
    {
        byte[] cpath = System.Text.Encoding.ASCII.GetBytes(path + "\0");
        stat s;
        fixed (byte* p = cpath)
        {
            if (stat(p, &s) != 0) return null;
        }
        return new HostObjectInode(superBlock, path, s);
    }

    public override string HostDevicePath { get; }
    public override uint Mode => (uint)st.st_mode;
    public override uint Uid => st.st_uid;
    public override uint Gid => st.st_gid;
    public override ulong LinkCount => st.st_nlink;
    public override long Size => st.st_size;
    public override long Blocks512 => st.st_blocks;
    public override ulong Rdev => st.st_rdev;
    public override Timespec Atime => new(st.st_atim.tv_sec, (uint)(long)st.st_atim.tv_nsec);
    public override Timespec Mtime => new(st.st_mtim.tv_sec, (uint)(long)st.st_mtim.tv_nsec);
    public override Timespec Ctime => new(st.st_ctim.tv_sec, (uint)(long)st.st_ctim.tv_nsec);
}
