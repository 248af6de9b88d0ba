using System.Collections.Generic;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Image;
using UserKernel.Kernel.Vfs;
using SuperBlock = UserKernel.Kernel.Vfs.SuperBlock;

namespace UserKernel.Kernel.Filesystems.Image;

/// <summary>An ext2/3/4 image mounted read-only, read through RootFs's reader.</summary>
public sealed class ImageSuperBlock : SuperBlock
{
    private readonly Dictionary<uint, ImageInode> inodes = new();

    public ImageSuperBlock(Ext4Reader reader, ulong device) : base(device)
    {
        Reader = reader;
        root = Get(Ext4Reader.RootInode) ?? throw new ImageFormatException("the root directory (inode 2) cannot be read");
        if (!root.IsDirectory) throw new ImageFormatException("the root inode is not a directory");
    }

    private readonly ImageInode root;

    internal Ext4Reader Reader { get; }

    /// <summary>Where this image's file bytes are kept between runs, when the run keeps them (null: each run makes memfds).</summary>
    public ContentCache? Cache { get; init; }

    public override Inode Root => root;
    public override string TypeName => "ext4";
    public override long Magic => 0xEF53;
    public override long BlockSize => Reader.BlockSize;
    public override ulong TotalBlocks => Reader.BlocksCount;
    public override ulong FreeBlocks => Reader.FreeBlocksCount;
    public override ulong TotalInodes => Reader.InodesCount;
    public override ulong FreeInodes => Reader.FreeInodesCount;

    /// <summary>The one Inode object for an inode number; null if the image cannot give it.</summary>
    internal ImageInode? Get(uint ino)
    {
        if (inodes.TryGetValue(ino, out ImageInode? cached)) return cached;
        try
        {
            var inode = new ImageInode(this, Reader.ReadInode(ino));
            inodes[ino] = inode;
            return inode;
        }
        catch (ImageFormatException)
        {
            return null;
        }
    }
}
