using System.Collections.Generic;
using UserKernel.Kernel.Abi;

namespace UserKernel.Kernel.Vfs;

/// <summary>
/// Extended attributes. A filesystem that keeps none lists none and answers EOPNOTSUPP to the rest,
/// as a Linux filesystem without xattr handlers does. Permission checks happen in the syscall layer.
/// </summary>
public abstract partial class Inode
{
    /// <summary>Every attribute, name and value, in the filesystem's listing order.</summary>
    public virtual Result<KeyValuePair<string, byte[]>[]> ListXattrs() => System.Array.Empty<KeyValuePair<string, byte[]>>();

    /// <summary>One attribute's value: ENODATA when absent, EOPNOTSUPP when the filesystem keeps none.</summary>
    public virtual Result<byte[]> GetXattr(string name) => Errno.EOPNOTSUPP;

    /// <summary>Sets (or, with a null value, removes) an attribute, honouring XATTR_CREATE and XATTR_REPLACE.</summary>
    public virtual Errno SetXattr(string name, byte[]? value, int flags) =>
        SuperBlock.ReadOnly ? Errno.EROFS : Errno.EOPNOTSUPP;
}
