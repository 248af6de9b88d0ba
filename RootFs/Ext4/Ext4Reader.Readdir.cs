using System;
using System.Collections.Generic;

namespace UserKernel.RootFs.Ext4;

// The order and positions of Linux's ext4_readdir. Directories that may be hashed are read in
// hash order (ext4_dx_readdir), every other one linearly with byte offsets as positions.
public sealed partial class Ext4Reader
{
    /// <summary>The filesystem's s_hash_seed (all zero: the default seed).</summary>
    public IReadOnlyList<uint> HashSeed => _sb.HashSeed;
    /// <summary>s_def_hash_version (DX_HASH_*).</summary>
    public byte DefHashVersion => _sb.DefHashVersion;
    /// <summary>s_flags (signed or unsigned directory hash).</summary>
    public uint Flags => _sb.Flags;

    /// <summary>
    /// Whether Linux reads directory <paramref name="dirIno"/> in hash order (is_dx_dir): the
    /// filesystem has dir_index and the directory is indexed, exactly one block long, or inline.
    /// </summary>
    public bool IsHashOrdered(uint dirIno)
    {
        var blocks = new DirectoryBlocks(this, dirIno);
        return _sb.Has(CompatFeatures.DirIndex)
            && ((blocks.Flags & InodeFlags.Index) != 0 || blocks.Size >> _blockShift == 1 || blocks.IsInline);
    }

    /// <summary>
    /// Every live entry of directory <paramref name="dirIno"/> in the order Linux's readdir gives
    /// them, with their positions and d_off values as a 64-bit process sees them. A caller resumes a
    /// listing at cursor c with the first entry whose <see cref="ReaddirEntry.Position"/> is at least c.
    /// </summary>
    public IReadOnlyList<ReaddirEntry> ReadDirectoryForReaddir(uint dirIno)
    {
        DirHash? hash = IsHashOrdered(dirIno) ? HashFor(dirIno) : null;
        return hash != null ? InHashOrder(dirIno, hash) : InLinearOrder(dirIno);
    }

    private List<ReaddirEntry> InLinearOrder(uint dirIno)
    {
        var entries = ReadDirectoryWithOffsets(dirIno);
        var list = new List<ReaddirEntry>(entries.Count);
        long end = LinearEndOffset(dirIno);
        for (int i = 0; i < entries.Count; i++)
        {
            list.Add(new ReaddirEntry(entries[i].Entry, entries[i].Offset, i + 1 < entries.Count ? entries[i + 1].Offset : end));
        }
        return list;
    }

    /// <summary>
    /// ext4_htree_fill_tree and ext4_dx_readdir: every entry keyed by its hash, in (major, minor)
    /// order. In an indexed directory "." and ".." live in the dx_root and get the fixed hashes
    /// (0, 0) and (2, 0); elsewhere they are hashed like any name. Entries with equal hashes
    /// share one position; Linux chains them as first-seen, then the others newest first.
    /// </summary>
    private static List<ReaddirEntry> InHashOrder(IReadOnlyList<DirEntry> entries, DirHash hash, bool indexed)
    {
        var keyed = new List<(DxHash Key, int Seen, DirEntry Entry)>(entries.Count);
        for (int i = 0; i < entries.Count; i++)
        {
            DxHash key = indexed && i < 2 ? new DxHash(2u * (uint)i, 0) : hash.Hash(entries[i].Name);
            keyed.Add((key, i, entries[i]));
        }
        var first = new Dictionary<DxHash, int>();
        foreach (var k in keyed)
        {
            first.TryAdd(k.Key, k.Seen);
        }
        keyed.Sort((a, b) =>
        {
            int byHash = a.Key.CompareTo(b.Key);
            if (byHash != 0) return byHash;
            bool aFirst = first[a.Key] == a.Seen, bFirst = first[b.Key] == b.Seen;
            return aFirst != bFirst ? (aFirst ? -1 : 1) : b.Seen.CompareTo(a.Seen);
        });
        var list = new List<ReaddirEntry>(keyed.Count);
        for (int i = 0; i < keyed.Count; i++)
        {
            long next = i + 1 < keyed.Count ? keyed[i + 1].Key.Position : DxHash.EndPosition;
            list.Add(new ReaddirEntry(keyed[i].Entry, keyed[i].Key.Position, next));
        }
        return list;
    }

    private List<ReaddirEntry> InHashOrder(uint dirIno, DirHash hash)
    {
        var blocks = new DirectoryBlocks(this, dirIno);
        bool indexed = (blocks.Flags & InodeFlags.Index) != 0;
        return InHashOrder(ReadDirectory(dirIno), hash, indexed);
    }

    /// <summary>
    /// The hash a directory's readdir uses, or null when Linux would not read it hashed after all:
    /// an indexed directory names its version in the dx_root (dx_probe), others use
    /// s_def_hash_version; both turn unsigned by s_flags. An unknown version means linear order.
    /// </summary>
    private DirHash? HashFor(uint dirIno)
    {
        var blocks = new DirectoryBlocks(this, dirIno);
        byte version = _sb.DefHashVersion;
        if ((blocks.Flags & InodeFlags.Index) != 0 && !blocks.IsInline)
        {
            if (!blocks.MoveNext() || blocks.Where != 0)
            {
                return null;
            }
            version = blocks.Current[DxRootHashVersionOffset];
        }
        return version <= (byte)DxHashVersion.Tea ? new DirHash(DirHash.Effective(version, _sb.Flags), _sb.HashSeed) : null;
    }

    /// <summary>dx_root_info.hash_version: after the 12-byte "." and ".." entries and the 4-byte reserved_zero.</summary>
    private const int DxRootHashVersionOffset = 0x1C;
}
