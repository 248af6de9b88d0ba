using System;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Writer;

/// <summary>
/// Hands out data blocks from the front of the filesystem to the back, skipping each group's
/// metadata, and keeps the block and inode bitmaps that are written at the end. Because
/// allocation only moves forward, a file's blocks are contiguous except where a group's
/// metadata interrupts them.
/// </summary>
internal sealed class BlockAllocator
{
    private readonly Geometry _geometry;
    private readonly byte[][] _blockBitmaps;
    private readonly byte[][] _inodeBitmaps;
    private readonly uint[] _freeBlocks;
    private readonly uint[] _freeInodes;
    private readonly uint[] _directories;
    private uint _group;
    private ulong _next;

    public BlockAllocator(Geometry geometry)
    {
        _geometry = geometry;
        uint groups = geometry.GroupCount;
        _blockBitmaps = new byte[groups][];
        _inodeBitmaps = new byte[groups][];
        _freeBlocks = new uint[groups];
        _freeInodes = new uint[groups];
        _directories = new uint[groups];
        for (uint g = 0; g < groups; g++)
        {
            var blocks = new byte[Geometry.BlockSize];
            uint inGroup = geometry.GroupBlocks(g);
            // Bits past the end of the filesystem are set, as e2fsck expects of the last group.
            for (uint bit = inGroup; bit < Geometry.BlocksPerGroup; bit++)
            {
                Set(blocks, bit);
            }
            for (uint bit = 0; bit < geometry.OverheadBlocks(g); bit++)
            {
                Set(blocks, bit);
            }
            _blockBitmaps[g] = blocks;
            _freeBlocks[g] = inGroup - geometry.OverheadBlocks(g);

            var inodes = new byte[Geometry.BlockSize];
            for (uint bit = geometry.InodesPerGroup; bit < Geometry.BlocksPerGroup; bit++)
            {
                Set(inodes, bit);
            }
            _inodeBitmaps[g] = inodes;
            _freeInodes[g] = geometry.InodesPerGroup;
        }
        _next = geometry.GroupStart(0) + geometry.OverheadBlocks(0);
    }

    public ulong FreeBlocks
    {
        get
        {
            ulong sum = 0;
            foreach (uint n in _freeBlocks)
            {
                sum += n;
            }
            return sum;
        }
    }

    public uint FreeInodes
    {
        get
        {
            uint sum = 0;
            foreach (uint n in _freeInodes)
            {
                sum += n;
            }
            return sum;
        }
    }

    public uint GroupFreeBlocks(uint group) => _freeBlocks[group];
    public uint GroupFreeInodes(uint group) => _freeInodes[group];
    public uint GroupDirectories(uint group) => _directories[group];
    public byte[] BlockBitmap(uint group) => _blockBitmaps[group];
    public byte[] InodeBitmap(uint group) => _inodeBitmaps[group];

    /// <summary>
    /// Up to <paramref name="count"/> contiguous blocks: a run that stops early at the end of a
    /// group. Throws <see cref="ImageFormatException"/> when the filesystem is full.
    /// </summary>
    public (ulong Start, uint Length) Allocate(ulong count)
    {
        while (true)
        {
            if (_group >= _geometry.GroupCount)
            {
                throw new ImageFormatException("the image is too small for its contents: no free block left");
            }
            ulong end = _geometry.GroupStart(_group) + _geometry.GroupBlocks(_group);
            if (_next < end)
            {
                uint length = (uint)Math.Min(count, end - _next);
                ulong start = _next;
                for (uint i = 0; i < length; i++)
                {
                    Set(_blockBitmaps[_group], (uint)(start - _geometry.GroupStart(_group) + i));
                }
                _freeBlocks[_group] -= length;
                _next += length;
                return (start, length);
            }
            _group++;
            if (_group < _geometry.GroupCount)
            {
                _next = _geometry.GroupStart(_group) + _geometry.OverheadBlocks(_group);
            }
        }
    }

    /// <summary>Marks inode <paramref name="ino"/> in use (the reserved ones as well).</summary>
    public void UseInode(uint ino, bool directory)
    {
        uint group = (ino - 1) / _geometry.InodesPerGroup;
        Set(_inodeBitmaps[group], (ino - 1) % _geometry.InodesPerGroup);
        _freeInodes[group]--;
        if (directory)
        {
            _directories[group]++;
        }
    }

    private static void Set(byte[] bitmap, uint bit) => bitmap[bit >> 3] |= (byte)(1 << (int)(bit & 7));
}
