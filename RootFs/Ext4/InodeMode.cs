namespace UserKernel.RootFs.Ext4;

/// <summary>The file type bits of i_mode (S_IFMT and its values, as in Linux's stat.h).</summary>
public static class InodeMode
{
    /// <summary>S_IFMT.</summary>
    public const ushort TypeMask = 0xF000;
    /// <summary>S_IFSOCK.</summary>
    public const ushort Socket = 0xC000;
    /// <summary>S_IFLNK.</summary>
    public const ushort Symlink = 0xA000;
    /// <summary>S_IFREG.</summary>
    public const ushort Regular = 0x8000;
    /// <summary>S_IFBLK.</summary>
    public const ushort BlockDevice = 0x6000;
    /// <summary>S_IFDIR.</summary>
    public const ushort Directory = 0x4000;
    /// <summary>S_IFCHR.</summary>
    public const ushort CharDevice = 0x2000;
    /// <summary>S_IFIFO.</summary>
    public const ushort Fifo = 0x1000;
}
