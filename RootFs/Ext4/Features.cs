using System;
using System.Collections.Generic;

namespace UserKernel.RootFs.Ext4;

/// <summary>s_feature_compat: features a reader may ignore.</summary>
[Flags]
public enum CompatFeatures : uint
{
    None = 0,
    DirPrealloc = 0x1,
    ImagicInodes = 0x2,
    HasJournal = 0x4,
    ExtAttr = 0x8,
    ResizeInode = 0x10,
    DirIndex = 0x20,
    LazyBg = 0x40,
    ExcludeInode = 0x80,
    ExcludeBitmap = 0x100,
    SparseSuper2 = 0x200,
    FastCommit = 0x400,
    StableInodes = 0x800,
    OrphanFile = 0x1000,
}

/// <summary>s_feature_incompat: features a reader must understand to read the filesystem at all.</summary>
[Flags]
public enum IncompatFeatures : uint
{
    None = 0,
    Compression = 0x1,
    Filetype = 0x2,
    /// <summary>needs_recovery: the journal holds unreplayed transactions.</summary>
    Recover = 0x4,
    JournalDev = 0x8,
    MetaBg = 0x10,
    Extents = 0x40,
    Is64Bit = 0x80,
    Mmp = 0x100,
    FlexBg = 0x200,
    EaInode = 0x400,
    DirData = 0x1000,
    CsumSeed = 0x2000,
    LargeDir = 0x4000,
    InlineData = 0x8000,
    Encrypt = 0x10000,
    Casefold = 0x20000,
}

/// <summary>s_feature_ro_compat: features that only matter to a writer, except as noted.</summary>
[Flags]
public enum RoCompatFeatures : uint
{
    None = 0,
    SparseSuper = 0x1,
    LargeFile = 0x2,
    BtreeDir = 0x4,
    /// <summary>i_blocks has high bits, and may count filesystem blocks (EXT4_HUGE_FILE_FL).</summary>
    HugeFile = 0x8,
    GdtCsum = 0x10,
    DirNlink = 0x20,
    ExtraIsize = 0x40,
    HasSnapshot = 0x80,
    Quota = 0x100,
    Bigalloc = 0x200,
    MetadataCsum = 0x400,
    Replica = 0x800,
    ReadOnly = 0x1000,
    Project = 0x2000,
    SharedBlocks = 0x4000,
    Verity = 0x8000,
    OrphanPresent = 0x10000,
}

/// <summary>What this reader accepts, and the e2fsprogs names used in messages.</summary>
public static class Features
{
    /// <summary>
    /// Incompat features this reader handles. needs_recovery is read as is (we never replay the
    /// journal: read-only, and the image must not change); casefold only changes lookups, which
    /// match exact bytes here; mmp and the checksum features only matter to writers.
    /// </summary>
    public const IncompatFeatures Supported =
        IncompatFeatures.Filetype | IncompatFeatures.Recover | IncompatFeatures.MetaBg |
        IncompatFeatures.Extents | IncompatFeatures.Is64Bit | IncompatFeatures.Mmp |
        IncompatFeatures.FlexBg | IncompatFeatures.EaInode | IncompatFeatures.CsumSeed |
        IncompatFeatures.LargeDir | IncompatFeatures.InlineData | IncompatFeatures.Casefold;

    /// <summary>Incompat features ext3 already had; any other one makes a filesystem ext4.</summary>
    private const IncompatFeatures Ext3Incompat = IncompatFeatures.Filetype | IncompatFeatures.Recover | IncompatFeatures.MetaBg | IncompatFeatures.JournalDev;
    /// <summary>Ro_compat features ext3 already had.</summary>
    private const RoCompatFeatures Ext3RoCompat = RoCompatFeatures.SparseSuper | RoCompatFeatures.LargeFile | RoCompatFeatures.BtreeDir;

    /// <summary>
    /// "ext4" when the filesystem uses a feature ext3 lacks (extents, 64bit, flex_bg, huge_file ...),
    /// else "ext3" with a journal, else "ext2": the rule blkid follows to name the type.
    /// </summary>
    public static string TypeName(SuperBlock sb)
    {
        if ((sb.Incompat & ~Ext3Incompat) != 0 || (sb.RoCompat & ~Ext3RoCompat) != 0)
        {
            return "ext4";
        }
        return sb.Has(CompatFeatures.HasJournal) ? "ext3" : "ext2";
    }

    /// <summary>The incompat features in <paramref name="incompat"/> this reader cannot read.</summary>
    public static IncompatFeatures Unsupported(IncompatFeatures incompat) => incompat & ~Supported;

    /// <summary>e2fsprogs names ("extent", "64bit", "encrypt") of the set bits; unknown bits as hex.</summary>
    public static IReadOnlyList<string> Names(IncompatFeatures features)
    {
        var names = new List<string>();
        for (int bit = 0; bit < 32; bit++)
        {
            uint flag = 1u << bit;
            if (((uint)features & flag) != 0)
            {
                names.Add(Name((IncompatFeatures)flag));
            }
        }
        return names;
    }

    /// <summary>e2fsprogs names ("dir_index", "sparse_super2") of the set compat bits; unknown bits as hex.</summary>
    public static IReadOnlyList<string> Names(CompatFeatures features) => NamesOf((uint)features, bit => Name((CompatFeatures)bit));

    /// <summary>e2fsprogs names ("huge_file", "metadata_csum") of the set ro_compat bits; unknown bits as hex.</summary>
    public static IReadOnlyList<string> Names(RoCompatFeatures features) => NamesOf((uint)features, bit => Name((RoCompatFeatures)bit));

    private static List<string> NamesOf(uint features, Func<uint, string> name)
    {
        var names = new List<string>();
        for (int bit = 0; bit < 32; bit++)
        {
            uint flag = 1u << bit;
            if ((features & flag) != 0)
            {
                names.Add(name(flag));
            }
        }
        return names;
    }

    private static string Name(CompatFeatures flag) => flag switch
    {
        CompatFeatures.DirPrealloc => "dir_prealloc",
        CompatFeatures.ImagicInodes => "imagic_inodes",
        CompatFeatures.HasJournal => "has_journal",
        CompatFeatures.ExtAttr => "ext_attr",
        CompatFeatures.ResizeInode => "resize_inode",
        CompatFeatures.DirIndex => "dir_index",
        CompatFeatures.LazyBg => "lazy_bg",
        CompatFeatures.ExcludeInode => "snapshot_exclude_inode",
        CompatFeatures.ExcludeBitmap => "snapshot_exclude_bitmap",
        CompatFeatures.SparseSuper2 => "sparse_super2",
        CompatFeatures.FastCommit => "fast_commit",
        CompatFeatures.StableInodes => "stable_inodes",
        CompatFeatures.OrphanFile => "orphan_file",
        _ => $"unknown compat 0x{(uint)flag:x}",
    };

    private static string Name(RoCompatFeatures flag) => flag switch
    {
        RoCompatFeatures.SparseSuper => "sparse_super",
        RoCompatFeatures.LargeFile => "large_file",
        RoCompatFeatures.BtreeDir => "btree_dir",
        RoCompatFeatures.HugeFile => "huge_file",
        RoCompatFeatures.GdtCsum => "uninit_bg",
        RoCompatFeatures.DirNlink => "dir_nlink",
        RoCompatFeatures.ExtraIsize => "extra_isize",
        RoCompatFeatures.HasSnapshot => "snapshot",
        RoCompatFeatures.Quota => "quota",
        RoCompatFeatures.Bigalloc => "bigalloc",
        RoCompatFeatures.MetadataCsum => "metadata_csum",
        RoCompatFeatures.Replica => "replica",
        RoCompatFeatures.ReadOnly => "read-only",
        RoCompatFeatures.Project => "project",
        RoCompatFeatures.SharedBlocks => "shared_blocks",
        RoCompatFeatures.Verity => "verity",
        RoCompatFeatures.OrphanPresent => "orphan_present",
        _ => $"unknown ro_compat 0x{(uint)flag:x}",
    };

    private static string Name(IncompatFeatures flag) => flag switch
    {
        IncompatFeatures.Compression => "compression",
        IncompatFeatures.Filetype => "filetype",
        IncompatFeatures.Recover => "needs_recovery",
        IncompatFeatures.JournalDev => "journal_dev",
        IncompatFeatures.MetaBg => "meta_bg",
        IncompatFeatures.Extents => "extent",
        IncompatFeatures.Is64Bit => "64bit",
        IncompatFeatures.Mmp => "mmp",
        IncompatFeatures.FlexBg => "flex_bg",
        IncompatFeatures.EaInode => "ea_inode",
        IncompatFeatures.DirData => "dirdata",
        IncompatFeatures.CsumSeed => "metadata_csum_seed",
        IncompatFeatures.LargeDir => "large_dir",
        IncompatFeatures.InlineData => "inline_data",
        IncompatFeatures.Encrypt => "encrypt",
        IncompatFeatures.Casefold => "casefold",
        _ => $"unknown incompat 0x{(uint)flag:x}",
    };
}
