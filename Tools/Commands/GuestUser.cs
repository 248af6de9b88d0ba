using System;
using System.Collections.Generic;
using System.Text;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Tools.Commands;

/// <summary>
/// `run --user USER[:GROUP]`: the guest's credentials from a user and group, each a number or a name
/// in the image's /etc/passwd and /etc/group. Without a group, the user's primary group from
/// /etc/passwd, or the uid itself when the image does not list the user. The supplementary groups
/// are the /etc/group entries that name the user (as initgroups(3) would set them).
/// </summary>
public static class GuestUser
{
    public static Credentials Parse(SuperBlock root, string spec)
    {
        string[] parts = spec.Split(':');
        if (parts.Length > 2 || parts[0].Length == 0 || (parts.Length == 2 && parts[1].Length == 0))
            throw new UsageException($"run: --user wants UID[:GID], not '{spec}'");
        List<string[]> passwd = ReadTable(root, "passwd");
        List<string[]> group = ReadTable(root, "group");

        string[]? entry = null;
        uint uid;
        if (uint.TryParse(parts[0], out uid) && uid != uint.MaxValue)
            entry = passwd.Find(e => e.Length >= 4 && e[2] == parts[0]);
        else
        {
            entry = passwd.Find(e => e.Length >= 4 && e[0] == parts[0]);
            if (entry == null || !uint.TryParse(entry[2], out uid)) throw new UsageException($"run: --user: no user '{parts[0]}' in the image's /etc/passwd");
        }

        uint gid;
        if (parts.Length == 2)
        {
            if (!uint.TryParse(parts[1], out gid) || gid == uint.MaxValue)
            {
                string[]? g = group.Find(e => e.Length >= 3 && e[0] == parts[1]);
                if (g == null || !uint.TryParse(g[2], out gid)) throw new UsageException($"run: --user: no group '{parts[1]}' in the image's /etc/group");
            }
        }
        else if (entry == null || !uint.TryParse(entry[3], out gid)) gid = uid;

        var groups = new SortedSet<uint>();
        if (entry != null)
        {
            groups.Add(gid);
            foreach (string[] g in group)
                if (g.Length >= 4 && uint.TryParse(g[2], out uint id) && Array.IndexOf(g[3].Split(','), entry[0]) >= 0) groups.Add(id);
        }
        return Credentials.ForUser(uid, gid, groups);
    }

    /// <summary>The colon-separated lines of /etc/NAME in the image; none if it is missing or unreadable.</summary>
    private static List<string[]> ReadTable(SuperBlock root, string name)
    {
        var rows = new List<string[]>();
        if (!root.Root.Lookup("etc").TryGet(out Inode? etc, out _) || !etc.Lookup(name).TryGet(out Inode? file, out _) || !file.IsRegular)
            return rows;
        byte[] data = new byte[Math.Min(file.Size, 1 << 22)];
        int done = 0;
        while (done < data.Length && file.Read(done, data.AsSpan(done)).TryGet(out int n, out _) && n > 0) done += n;
        foreach (string line in Encoding.UTF8.GetString(data, 0, done).Split('\n'))
            if (line.Length > 0 && line[0] != '#') rows.Add(line.Split(':'));
        return rows;
    }
}
