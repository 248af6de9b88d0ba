using System;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Ext4;

/// <summary>
/// Reads an ext2, ext3 or ext4 image without ever writing it. <see cref="Open"/> checks the
/// superblock, the features and every group descriptor, so a bad image fails there with one
/// line; corruption found later (a bad extent deep in a file) throws
/// <see cref="ImageFormatException"/> from the call that meets it. Nothing is cached that the
/// mapping already holds, so the reader is immutable and safe to use from several threads.
/// </summary>
public sealed partial class Ext4Reader : IDisposable
{
    /// <summary>EXT4_ROOT_INO.</summary>
    public const uint RootInode = 2;

    private readonly MappedImage _image;
    private readonly SuperBlock _sb;
    private readonly int _blockShift;
    private readonly bool _hasGroupChecksums;

    private Ext4Reader(MappedImage image, SuperBlock sb)
    {
        _image = image;
        _sb = sb;
        _blockShift = 10 + (int)sb.LogBlockSize;
        _hasGroupChecksums = sb.Has(RoCompatFeatures.GdtCsum) || sb.Has(RoCompatFeatures.MetadataCsum);
    }

    /// <summary>The parsed superblock.</summary>
    public SuperBlock SuperBlock => _sb;
    public uint BlockSize => _sb.BlockSize;
    public ulong BlocksCount => _sb.BlocksCount;
    /// <summary>Free blocks, summed over the group descriptors as Linux's statfs does.</summary>
    public ulong FreeBlocksCount { get; private set; }
    public uint InodesCount => _sb.InodesCount;
    /// <summary>Free inodes, summed over the group descriptors.</summary>
    public uint FreeInodesCount { get; private set; }
    public string VolumeName => _sb.VolumeName;
    public CompatFeatures Compat => _sb.Compat;
    public IncompatFeatures Incompat => _sb.Incompat;
    public RoCompatFeatures RoCompat => _sb.RoCompat;

    /// <summary>
    /// Maps the image read-only and validates it. Every failure, a missing file included, is an
    /// <see cref="ImageFormatException"/> with a one-line message.
    /// </summary>
    public static Ext4Reader Open(string imagePath)
    {
        var image = MappedImage.Open(imagePath);
        try
        {
            if (image.Length < SuperBlock.Offset + SuperBlock.Size)
            {
                throw new ImageFormatException(
                    $"not an ext2/3/4 filesystem: the image is {ImageFormatException.FormatSize(image.Length)}, too small to hold a superblock");
            }
            var sb = SuperBlock.Parse(image.Slice(SuperBlock.Offset, SuperBlock.Size));
            sb.Validate(image.Length);
            var reader = new Ext4Reader(image, sb);
            reader.ValidateGroups();
            if (!reader.ReadInode(RootInode).IsDirectory)
            {
                throw new ImageFormatException("corrupt filesystem: the root inode is not a directory");
            }
            return reader;
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    /// <summary>Number of block groups.</summary>
    public uint GroupCount => _sb.GroupCount;

    /// <summary>Reads the descriptor of block group <paramref name="group"/> (for diagnostics and tools).</summary>
    public GroupDescriptor ReadGroupDescriptor(uint group)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(group, _sb.GroupCount);
        return Descriptor(group);
    }

    /// <summary>
    /// Reads inode <paramref name="ino"/>. Throws <see cref="ImageFormatException"/> if it is 0,
    /// beyond <see cref="InodesCount"/>, not in use, or malformed.
    /// </summary>
    public Ext4Inode ReadInode(uint ino) => Ext4Inode.Parse(ino, RawInode(ino), _sb);

    /// <summary>Unmaps the image.</summary>
    public void Dispose() => _image.Dispose();

    /// <summary>The raw bytes of an inode in use.</summary>
    private ReadOnlySpan<byte> RawInode(uint ino)
    {
        if (ino == 0 || ino > _sb.InodesCount)
        {
            throw new ImageFormatException($"corrupt filesystem: inode {ino} is outside 1..{_sb.InodesCount}");
        }
        uint group = (ino - 1) / _sb.InodesPerGroup;
        uint index = (ino - 1) % _sb.InodesPerGroup;
        var descriptor = Descriptor(group);
        // With group checksums, uninitialised groups and the never-used tail of an inode table
        // may hold garbage (lazy_itable_init): no inode there is in use.
        if (_hasGroupChecksums
            && ((descriptor.Flags & BlockGroupFlags.InodeUninit) != 0
                || index >= _sb.InodesPerGroup - Math.Min(descriptor.ItableUnused, _sb.InodesPerGroup)))
        {
            throw new ImageFormatException($"corrupt filesystem: inode {ino} is not in use");
        }
        long offset = ((long)descriptor.InodeTable << _blockShift) + (long)index * _sb.InodeSize;
        ReadOnlySpan<byte> raw = _image.Slice(offset, _sb.InodeSize);
        if (Ext4Inode.LinksCountOf(raw) == 0)
        {
            throw new ImageFormatException($"corrupt filesystem: inode {ino} is not in use");
        }
        return raw;
    }

    /// <summary>Reads group <paramref name="group"/>'s descriptor from the image (checked at open).</summary>
    private GroupDescriptor Descriptor(uint group)
    {
        var descriptor = GroupDescriptor.Parse(_image.Slice(DescriptorOffset(group), _sb.GroupDescriptorSize),
            _sb.Has(IncompatFeatures.Is64Bit));
        ulong tableBlocks = InodeTableBlocks;
        if (descriptor.InodeTable == 0 || descriptor.InodeTable >= _sb.BlocksCount
            || tableBlocks > _sb.BlocksCount - descriptor.InodeTable)
        {
            throw new ImageFormatException(
                $"corrupt group descriptor {group}: inode table at block {descriptor.InodeTable} " +
                $"does not fit the filesystem's {_sb.BlocksCount} blocks");
        }
        return descriptor;
    }

    private ulong InodeTableBlocks => ((ulong)_sb.InodesPerGroup * _sb.InodeSize + _sb.BlockSize - 1) >> _blockShift;

    /// <summary>
    /// Where group <paramref name="group"/>'s descriptor is. Descriptors normally fill the blocks
    /// after the superblock; with meta_bg, from s_first_meta_bg on, each meta group (one
    /// descriptor block's worth of groups) keeps its descriptor block in its own first group,
    /// after that group's superblock backup if it has one.
    /// </summary>
    private long DescriptorOffset(uint group)
    {
        uint perBlock = _sb.BlockSize / (uint)_sb.GroupDescriptorSize;
        uint metaGroup = group / perBlock;
        ulong block;
        if (!_sb.Has(IncompatFeatures.MetaBg) || metaGroup < _sb.FirstMetaBg)
        {
            block = (ulong)_sb.FirstDataBlock + 1 + metaGroup;
        }
        else
        {
            uint first = metaGroup * perBlock;
            block = _sb.FirstDataBlock + (ulong)first * _sb.BlocksPerGroup;
            if (block == 0 && _sb.BlockSize == 1024)
            {
                block = 1; // bigalloc with 1 KiB blocks: group 0 starts at block 0, its superblock is in block 1
            }
            block += _sb.GroupHasSuperBlock(first) ? 1u : 0u;
        }
        if (block >= _sb.BlocksCount)
        {
            throw new ImageFormatException(
                $"corrupt filesystem: descriptor of group {group} would be in block {block}, past the last block {_sb.BlocksCount - 1}");
        }
        return ((long)block << _blockShift) + (long)(group % perBlock) * _sb.GroupDescriptorSize;
    }

    /// <summary>Checks every group descriptor (their inode tables must lie inside the filesystem) and sums the free counts.</summary>
    private void ValidateGroups()
    {
        uint groups = _sb.GroupCount;
        if (_sb.Has(IncompatFeatures.MetaBg))
        {
            uint perBlock = _sb.BlockSize / (uint)_sb.GroupDescriptorSize;
            uint descriptorBlocks = (groups + perBlock - 1) / perBlock;
            if (_sb.FirstMetaBg > descriptorBlocks)
            {
                throw new ImageFormatException(
                    $"corrupt superblock: first meta block group {_sb.FirstMetaBg} is beyond the {descriptorBlocks} descriptor blocks");
            }
        }
        ulong freeClusters = 0;
        ulong freeInodes = 0;
        for (uint group = 0; group < groups; group++)
        {
            var descriptor = Descriptor(group);
            freeClusters += descriptor.FreeBlocksCount;
            freeInodes += descriptor.FreeInodesCount;
        }
        FreeBlocksCount = freeClusters * _sb.ClusterRatio;
        FreeInodesCount = (uint)Math.Min(freeInodes, _sb.InodesCount);
    }
}
