using System;
using System.Text;

namespace UserKernel.RootFs.Ext4;

/// <summary>
/// The name prefixes of extended attributes: on disk a name is an index (e_name_index) and the
/// rest of the name; "user.x" is stored as index 1 and "x". The two POSIX ACL names are stored
/// whole as their index with an empty suffix.
/// </summary>
public static class XattrName
{
    private static readonly (byte Index, string Prefix)[] Prefixes =
    [
        (2, "system.posix_acl_access"),
        (3, "system.posix_acl_default"),
        (1, "user."),
        (4, "trusted."),
        (6, "security."),
        (7, "system."),
    ];

    /// <summary>The full name of an entry: its index's prefix and its stored suffix.</summary>
    public static string Decode(byte index, ReadOnlySpan<byte> suffix)
    {
        foreach (var (i, prefix) in Prefixes)
        {
            if (i == index)
            {
                return prefix + Encoding.UTF8.GetString(suffix);
            }
        }
        // An index this code does not know (lustre, richacl): keep it visible, not lost.
        return $"unknown{index}." + Encoding.UTF8.GetString(suffix);
    }

    /// <summary>The index and stored suffix for a full name; false if no known prefix fits it.</summary>
    public static bool TryEncode(string name, out byte index, out byte[] suffix)
    {
        foreach (var (i, prefix) in Prefixes)
        {
            bool whole = i is 2 or 3;
            if (whole ? name == prefix : name.StartsWith(prefix, StringComparison.Ordinal) && name.Length > prefix.Length)
            {
                index = i;
                suffix = Encoding.UTF8.GetBytes(name[prefix.Length..]);
                return true;
            }
        }
        index = 0;
        suffix = [];
        return false;
    }
}
