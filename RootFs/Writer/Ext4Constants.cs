namespace UserKernel.RootFs.Writer;

/// <summary>On-disk constants the writer needs that the reader does not define.</summary>
internal static class Ext4Constants
{
    /// <summary>EXT4_EXTENTS_FL.</summary>
    public const uint ExtentsFlag = 0x80000;
    /// <summary>EXT4_LINK_MAX: beyond it a directory's i_links_count reads 1 (dir_nlink).</summary>
    public const uint LinkMax = 65000;
    /// <summary>Bytes of i_extra_isize: up to and including i_projid.</summary>
    public const int ExtraIsize = 32;
    /// <summary>Room for in-inode extended attributes in a 256-byte inode.</summary>
    public const int XattrBodySpace = Geometry.InodeSize - 128 - ExtraIsize;
    /// <summary>A symlink target shorter than this is kept in i_block (a fast symlink).</summary>
    public const int FastSymlinkMax = 60;
}
