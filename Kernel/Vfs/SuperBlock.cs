namespace UserKernel.Kernel.Vfs;

/// <summary>One mounted filesystem instance: its device number and what statfs(2) reports of it.</summary>
public abstract class SuperBlock
{
    protected SuperBlock(ulong device) { Device = device; }

    /// <summary>st_dev of every inode on this filesystem.</summary>
    public ulong Device { get; }

    /// <summary>The root directory.</summary>
    public abstract Inode Root { get; }

    /// <summary>The filesystem's name in /proc/filesystems ("ext4", "devtmpfs").</summary>
    public abstract string TypeName { get; }

    /// <summary>f_type magic of statfs(2).</summary>
    public abstract long Magic { get; }

    public virtual long BlockSize => 4096;
    public virtual ulong TotalBlocks => 0;
    public virtual ulong FreeBlocks => 0;
    public virtual ulong TotalInodes => 0;
    public virtual ulong FreeInodes => 0;
    public virtual bool ReadOnly => true;

    /// <summary>Builds a dev_t from major and minor the way glibc's makedev does.</summary>
    public static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8) |
        ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);
}
