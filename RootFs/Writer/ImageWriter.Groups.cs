using System;
using System.Buffers.Binary;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Writer;

// Bitmaps, group descriptors and superblocks, written once every block and inode is placed.
public sealed partial class ImageWriter
{
    private void WriteGroupMetadata()
    {
        var descriptors = new byte[_geometry.DescriptorBlocks * Geometry.BlockSize];
        for (uint g = 0; g < _geometry.GroupCount; g++)
        {
            WriteBlock(_geometry.BlockBitmap(g), _allocator.BlockBitmap(g));
            WriteBlock(_geometry.InodeBitmap(g), _allocator.InodeBitmap(g));
            // struct ext4_group_desc, 32 bytes: no checksums, no uninit flags.
            var d = descriptors.AsSpan((int)g * Geometry.DescriptorSize, Geometry.DescriptorSize);
            BinaryPrimitives.WriteUInt32LittleEndian(d, (uint)_geometry.BlockBitmap(g));
            BinaryPrimitives.WriteUInt32LittleEndian(d[4..], (uint)_geometry.InodeBitmap(g));
            BinaryPrimitives.WriteUInt32LittleEndian(d[8..], (uint)_geometry.InodeTable(g));
            BinaryPrimitives.WriteUInt16LittleEndian(d[12..], (ushort)_allocator.GroupFreeBlocks(g));
            BinaryPrimitives.WriteUInt16LittleEndian(d[14..], (ushort)_allocator.GroupFreeInodes(g));
            BinaryPrimitives.WriteUInt16LittleEndian(d[16..], (ushort)_allocator.GroupDirectories(g));
        }
        var superBlock = SuperBlockBytes();
        for (uint g = 0; g < _geometry.GroupCount; g++)
        {
            if (!_geometry.HasSuperBlock(g))
            {
                continue;
            }
            ulong start = _geometry.GroupStart(g);
            BinaryPrimitives.WriteUInt16LittleEndian(superBlock.AsSpan(0x5A), (ushort)g); // s_block_group_nr
            // Group 0's superblock sits 1024 bytes into block 0; backups start their group.
            RandomAccess.Write(_image, superBlock, g == 0 ? SuperBlock.Offset : (long)start << Geometry.BlockShift);
            RandomAccess.Write(_image, descriptors, (long)(start + 1) << Geometry.BlockShift);
        }
    }

    private byte[] SuperBlockBytes()
    {
        var sb = new byte[SuperBlock.Size];
        var s = sb.AsSpan();
        byte[] label = Encoding.UTF8.GetBytes(_options.Label);
        if (label.Length > 16)
        {
            throw new ImageFormatException($"the volume label '{_options.Label}' is longer than 16 bytes");
        }
        uint now = (uint)_now.Seconds;
        U32(s, 0x00, _geometry.InodesCount);
        U32(s, 0x04, (uint)_geometry.BlocksCount);
        U32(s, 0x0C, (uint)_allocator.FreeBlocks);
        U32(s, 0x10, _allocator.FreeInodes);
        U32(s, 0x14, 0);                                     // s_first_data_block: 0 with 4 KiB blocks
        U32(s, 0x18, Geometry.BlockShift - 10);              // s_log_block_size
        U32(s, 0x1C, Geometry.BlockShift - 10);              // s_log_cluster_size
        U32(s, 0x20, Geometry.BlocksPerGroup);
        U32(s, 0x24, Geometry.BlocksPerGroup);
        U32(s, 0x28, _geometry.InodesPerGroup);
        U32(s, 0x30, now);                                   // s_wtime
        U16(s, 0x36, 0xFFFF);                                // s_max_mnt_count: no forced checks
        U16(s, 0x38, SuperBlock.Magic);
        U16(s, 0x3A, 1);                                     // s_state: cleanly unmounted
        U16(s, 0x3C, 1);                                     // s_errors: continue
        U32(s, 0x40, now);                                   // s_lastcheck
        U32(s, 0x4C, 1);                                     // s_rev_level: dynamic
        U32(s, 0x54, Geometry.FirstInode);
        U16(s, 0x58, Geometry.InodeSize);
        var compat = CompatFeatures.ExtAttr | (_options.DirIndex ? CompatFeatures.DirIndex : 0);
        var incompat = IncompatFeatures.Filetype | (Ext4 ? IncompatFeatures.Extents : 0);
        var roCompat = RoCompatFeatures.SparseSuper | RoCompatFeatures.LargeFile
            | (Ext4 ? RoCompatFeatures.DirNlink | RoCompatFeatures.ExtraIsize : 0);
        U32(s, 0x5C, (uint)compat);
        U32(s, 0x60, (uint)incompat);
        U32(s, 0x64, (uint)roCompat);
        (_options.Uuid ?? Guid.NewGuid()).TryWriteBytes(s.Slice(0x68, 16), bigEndian: true, out _);
        label.CopyTo(s[0x78..]);
        RandomNumberGenerator.Fill(s.Slice(0xEC, 16));       // s_hash_seed
        s[0xFC] = 1;                                         // s_def_hash_version: half_md4
        U32(s, 0x108, now);                                  // s_mkfs_time
        U16(s, 0x15C, Ext4Constants.ExtraIsize);             // s_min_extra_isize
        U16(s, 0x15E, Ext4Constants.ExtraIsize);             // s_want_extra_isize
        U32(s, 0x160, DirHash.FlagsSignedHash);              // as mke2fs on x86, where char is signed
        return sb;
    }

    private static void U16(Span<byte> s, int offset, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(s[offset..], value);
    private static void U32(Span<byte> s, int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(s[offset..], value);
}
