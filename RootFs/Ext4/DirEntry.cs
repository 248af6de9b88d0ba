namespace UserKernel.RootFs.Ext4;

/// <summary>
/// A live directory entry. <paramref name="Name"/> is the raw name bytes (Linux names are bytes,
/// not text); <paramref name="FileType"/> is the ext4 directory-entry type (DirEntry2.Type*),
/// 0 when the filesystem does not record types (no filetype feature).
/// </summary>
public readonly record struct DirEntry(uint Inode, byte[] Name, byte FileType);
