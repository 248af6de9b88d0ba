using System;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Ext4;

// File contents: block maps, extent trees, inline data and symlink targets.
public sealed partial class Ext4Reader
{
    /// <summary>
    /// Copies the bytes of inode <paramref name="ino"/> from <paramref name="offset"/> into
    /// <paramref name="buffer"/> and returns how many there were: fewer than asked only at the
    /// end of the file, 0 at or past it. Holes and unwritten extents read as zeros. Works on
    /// regular files, directories and symlinks; devices, FIFOs and sockets have no data (0).
    /// </summary>
    public int Read(uint ino, long offset, Span<byte> buffer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ReadOnlySpan<byte> raw = RawInode(ino);
        ushort type = (ushort)(Ext4Inode.ModeOf(raw) & InodeMode.TypeMask);
        if (type is not (InodeMode.Regular or InodeMode.Directory or InodeMode.Symlink))
        {
            return 0;
        }
        ulong size = Ext4Inode.SizeOf(raw, _sb);
        if ((ulong)offset >= size || buffer.IsEmpty)
        {
            return 0;
        }
        int count = (int)Math.Min((ulong)buffer.Length, size - (ulong)offset);
        Span<byte> dest = buffer[..count];
        var flags = Ext4Inode.FlagsOf(raw);
        if ((flags & InodeFlags.InlineData) != 0 && _sb.Has(IncompatFeatures.InlineData))
        {
            InlineData.Read(ino, raw, offset, dest);
        }
        else if (IsFastSymlink(raw, flags))
        {
            if (size >= Ext4Inode.IBlockSize)
            {
                throw new ImageFormatException($"corrupt filesystem: fast symlink inode {ino} claims {size} bytes");
            }
            Ext4Inode.IBlock(raw).Slice((int)offset, count).CopyTo(dest);
        }
        else
        {
            ReadBlocks(ino, raw, flags, offset, dest);
        }
        return count;
    }

    /// <summary>The target of symlink <paramref name="ino"/>, whether kept in i_block, inline or in a block.</summary>
    public byte[] ReadSymlink(uint ino)
    {
        ReadOnlySpan<byte> raw = RawInode(ino);
        if ((Ext4Inode.ModeOf(raw) & InodeMode.TypeMask) != InodeMode.Symlink)
        {
            throw new ArgumentException($"inode {ino} is not a symlink", nameof(ino));
        }
        ulong size = Ext4Inode.SizeOf(raw, _sb);
        // Linux refuses to create targets longer than a block (and PATH_MAX).
        if (size == 0 || size > _sb.BlockSize)
        {
            throw new ImageFormatException($"corrupt filesystem: symlink inode {ino} has a target of {size} bytes");
        }
        var target = new byte[size];
        int read = Read(ino, 0, target);
        return read == target.Length ? target : target[..read];
    }

    /// <summary>
    /// Whether a symlink keeps its target in i_block. As in Linux's ext4_inode_is_fast_symlink,
    /// that is decided by the inode owning no data blocks (beyond an xattr block), not by the
    /// EXTENTS flag, which some tools set on fast symlinks too.
    /// </summary>
    private bool IsFastSymlink(ReadOnlySpan<byte> raw, InodeFlags flags)
    {
        if ((Ext4Inode.ModeOf(raw) & InodeMode.TypeMask) != InodeMode.Symlink || (flags & InodeFlags.InlineData) != 0)
        {
            return false;
        }
        if (_sb.Has(IncompatFeatures.EaInode))
        {
            return Ext4Inode.SizeOf(raw, _sb) < Ext4Inode.IBlockSize;
        }
        ulong xattrBlocks = Ext4Inode.FileAclOf(raw) != 0 ? (_sb.BlockSize * (ulong)_sb.ClusterRatio) >> 9 : 0;
        return Ext4Inode.Blocks512Of(raw, flags, _sb) == xattrBlocks;
    }

    // One lookup per run of consecutive blocks, then one copy for all of it.
    private void ReadBlocks(uint ino, ReadOnlySpan<byte> raw, InodeFlags flags, long offset, Span<byte> dest)
    {
        ReadOnlySpan<byte> iblock = Ext4Inode.IBlock(raw);
        bool extents = (flags & InodeFlags.Extents) != 0;
        long blockMask = _sb.BlockSize - 1;
        int done = 0;
        while (done < dest.Length)
        {
            long position = offset + done;
            ulong logical = (ulong)position >> _blockShift;
            int within = (int)(position & blockMask);
            BlockRun run = extents
                ? ExtentTree.Map(_image, _sb, ino, iblock, logical)
                : BlockMap.Map(_image, _sb, ino, iblock, logical);
            int want = dest.Length - done;
            ulong blocksWanted = ((ulong)within + (ulong)want + (ulong)blockMask) >> _blockShift;
            ulong blocks = Math.Min(run.Count, blocksWanted);
            int n = (int)Math.Min((long)(blocks << _blockShift) - within, want);
            Span<byte> target = dest.Slice(done, n);
            if (run.IsZeros)
            {
                target.Clear();
            }
            else
            {
                _image.Slice((long)(run.Physical << _blockShift) + within, n).CopyTo(target);
            }
            done += n;
        }
    }

    /// <summary>
    /// The run of blocks of a block-mapped or extent-mapped inode starting at <paramref name="logical"/>,
    /// found from its i_flags and i_block.
    /// </summary>
    private BlockRun MapBlock(uint ino, InodeFlags flags, ReadOnlySpan<byte> iblock, ulong logical) =>
        (flags & InodeFlags.Extents) != 0
            ? ExtentTree.Map(_image, _sb, ino, iblock, logical)
            : BlockMap.Map(_image, _sb, ino, iblock, logical);
}
