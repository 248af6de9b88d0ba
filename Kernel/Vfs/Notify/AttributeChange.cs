namespace UserKernel.Kernel.Vfs.Notify;

/// <summary>
/// What a metadata change was, which decides its event as Linux's fsnotify_change does: mode, owner,
/// extended attributes or both times are IN_ATTRIB; the access time alone is IN_ACCESS, the modification
/// time alone (or the size) IN_MODIFY.
/// </summary>
public enum AttributeChange
{
    /// <summary>chmod, chown, setxattr, removexattr: IN_ATTRIB.</summary>
    Attributes,

    /// <summary>utimensat of both times: IN_ATTRIB.</summary>
    Times,

    /// <summary>utimensat of the access time alone: IN_ACCESS.</summary>
    AccessTime,

    /// <summary>utimensat of the modification time alone, or truncate: IN_MODIFY.</summary>
    ModifyTime,
}
