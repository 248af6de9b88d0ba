using System;
using UserKernel.RootFs.Tree;

namespace UserKernel.RootFs.Writer;

/// <summary>Which filesystem the writer makes.</summary>
public enum ImageFormat
{
    /// <summary>ext4 with extents, filetype, sparse_super, large_file, dir_nlink and extra_isize.</summary>
    Ext4,
    /// <summary>ext2 with block maps (indirect blocks), filetype, sparse_super and large_file.</summary>
    Ext2,
}

/// <summary>How <see cref="ImageWriter"/> makes an image.</summary>
public sealed record ImageWriterOptions
{
    public ImageFormat Format { get; init; } = ImageFormat.Ext4;

    /// <summary>The image file's size in bytes; null sizes it to the contents with room to spare.</summary>
    public long? SizeBytes { get; init; }

    /// <summary>The volume label (at most 16 bytes of UTF-8).</summary>
    public string Label { get; init; } = "";

    /// <summary>The filesystem UUID; a random one when null.</summary>
    public Guid? Uuid { get; init; }

    /// <summary>When the filesystem was made (s_mkfs_time, lost+found's times, every crtime); now when null.</summary>
    public Timestamp? CreationTime { get; init; }

    /// <summary>
    /// Sets dir_index, so that Linux indexes a directory (an htree) once it outgrows a block. The writer's own
    /// directories stay linear, which dir_index allows; a filesystem that will get large directories wants it.
    /// </summary>
    public bool DirIndex { get; init; }

    /// <summary>
    /// With <see cref="SizeBytes"/>: one inode for every this many bytes (mke2fs's -i; its default, 16 KiB, is this one's).
    /// A filesystem for many small files wants fewer bytes per inode.
    /// </summary>
    public int BytesPerInode { get; init; } = 16384;

    /// <summary>Called now and then with (inodes written, inodes in all), for a progress display.</summary>
    public Action<long, long>? Progress { get; init; }
}
