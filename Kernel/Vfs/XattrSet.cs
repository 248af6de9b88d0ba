using System.Collections.Generic;
using UserKernel.Kernel.Abi;

namespace UserKernel.Kernel.Vfs;

/// <summary>
/// The extended attributes a writable inode keeps (overlay upper layer, tmpfs), in the order they
/// were first set, which is the order listxattr reports them in.
/// </summary>
public sealed class XattrSet
{
    public const int XATTR_CREATE = 1;
    public const int XATTR_REPLACE = 2;

    private readonly List<KeyValuePair<string, byte[]>> entries = [];

    public XattrSet() { }

    public XattrSet(IEnumerable<KeyValuePair<string, byte[]>> from) => entries.AddRange(from);

    public KeyValuePair<string, byte[]>[] ToArray() => entries.ToArray();

    public Result<byte[]> Get(string name)
    {
        int i = IndexOf(name);
        return i < 0 ? Errno.ENODATA : entries[i].Value;
    }

    /// <summary>setxattr's flags: XATTR_CREATE fails with EEXIST on an existing name, XATTR_REPLACE with ENODATA on a missing one.</summary>
    public Errno Set(string name, byte[] value, int flags)
    {
        int i = IndexOf(name);
        if (i >= 0 && (flags & XATTR_CREATE) != 0) return Errno.EEXIST;
        if (i < 0 && (flags & XATTR_REPLACE) != 0) return Errno.ENODATA;
        if (i >= 0) entries[i] = new(name, value);
        else entries.Add(new(name, value));
        return Errno.OK;
    }

    public Errno Remove(string name)
    {
        int i = IndexOf(name);
        if (i < 0) return Errno.ENODATA;
        entries.RemoveAt(i);
        return Errno.OK;
    }

    private int IndexOf(string name)
    {
        for (int i = 0; i < entries.Count; i++)
            if (entries[i].Key == name) return i;
        return -1;
    }
}
