using System;
using System.Collections.Generic;

namespace UserKernel.RootFs.Ext4;

// Where a file holds data and where it has holes, for copying a sparse file and keeping it sparse.
public sealed partial class Ext4Reader
{
    /// <summary>
    /// The byte ranges of regular file <paramref name="ino"/> that are mapped to blocks, in order
    /// and merged, clipped to its size; holes and unwritten extents are left out (they read as
    /// zeros). A file whose data lives in the inode (inline data) is one range.
    /// </summary>
    public IReadOnlyList<(long Offset, long Length)> DataRanges(uint ino)
    {
        ReadOnlySpan<byte> raw = RawInode(ino);
        long size = (long)Ext4Inode.SizeOf(raw, _sb);
        var ranges = new List<(long Offset, long Length)>();
        if (size == 0)
            return ranges;
        if ((Ext4Inode.FlagsOf(raw) & InodeFlags.InlineData) != 0 && _sb.Has(IncompatFeatures.InlineData))
        {
            ranges.Add((0, size));
            return ranges;
        }
        ulong blocks = ((ulong)size + _sb.BlockSize - 1) >> _blockShift;
        ulong logical = 0;
        while (logical < blocks)
        {
            BlockRun run = MapBlock(ino, Ext4Inode.FlagsOf(raw), Ext4Inode.IBlock(raw), logical);
            ulong count = Math.Min(run.Count, blocks - logical);
            if (!run.IsZeros)
            {
                long start = (long)(logical << _blockShift);
                long length = Math.Min((long)(count << _blockShift), size - start);
                if (ranges.Count > 0 && ranges[^1].Offset + ranges[^1].Length == start)
                    ranges[^1] = (ranges[^1].Offset, ranges[^1].Length + length);
                else
                    ranges.Add((start, length));
            }
            logical += count;
        }
        return ranges;
    }
}
