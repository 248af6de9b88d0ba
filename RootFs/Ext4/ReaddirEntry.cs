namespace UserKernel.RootFs.Ext4;

/// <summary>
/// A directory entry as Linux's ext4 readdir reports it to a 64-bit caller: <paramref name="Position"/>
/// is the cursor value at which the entry is read (a byte offset in linear order, a hash position in
/// hash order); <paramref name="NextPosition"/> is its d_off, the position of the entry after it
/// (past the last one: the directory's end position).
/// </summary>
public readonly record struct ReaddirEntry(DirEntry Entry, long Position, long NextPosition);
