using System.Text;
using UserKernel.RootFs.Tree;

namespace UserKernel.RootFs.Sources;

/// <summary>
/// The few files and directories a root filesystem needs before programs feel at home in it:
/// users root and nobody, localhost, files-only name service, an os-release saying what made
/// the image, /tmp (sticky, world-writable), /root, and the mount points /dev, /proc and /sys.
/// </summary>
public static class MinimalSystem
{
    /// <summary>Adds what <paramref name="tree"/> lacks of the minimal system; what it has is kept.</summary>
    /// <param name="tree">The tree to complete.</param>
    /// <param name="madeBy">What made the image, for os-release: "userkernel image from-host python3".</param>
    public static void AddTo(FileTree tree, string madeBy)
    {
        AddDirectory(tree, "/etc", 0x1ED /* 0755 */);
        AddDirectory(tree, "/root", 0x1C0 /* 0700 */);
        AddDirectory(tree, "/tmp", 0x3FF /* 01777 */);
        AddDirectory(tree, "/dev", 0x1ED /* 0755 */);
        AddDirectory(tree, "/proc", 0x16D /* 0555 */);
        AddDirectory(tree, "/sys", 0x16D /* 0555 */);
        AddFile(tree, "/etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\n" +
            "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        AddFile(tree, "/etc/group",
            "root:x:0:\n" +
            "nogroup:x:65534:\n");
        AddFile(tree, "/etc/hosts",
            "127.0.0.1\tlocalhost\n" +
            "::1\tlocalhost ip6-localhost ip6-loopback\n");
        AddFile(tree, "/etc/nsswitch.conf",
            "passwd: files\n" +
            "group: files\n" +
            "shadow: files\n" +
            "hosts: files dns\n" +
            "networks: files\n" +
            "protocols: files\n" +
            "services: files\n");
        AddFile(tree, "/etc/hostname", "userkernel\n");
        AddFile(tree, "/etc/os-release",
            "NAME=\"userkernel\"\n" +
            "ID=userkernel\n" +
            $"PRETTY_NAME=\"{Quote(madeBy)}\"\n" +
            $"VARIANT=\"{Quote(madeBy)}\"\n");
    }

    private static void AddDirectory(FileTree tree, string path, uint mode)
    {
        if (tree.Lookup(path) is null)
        {
            tree.Add(path, TreeNode.Directory(mode));
        }
    }

    private static void AddFile(FileTree tree, string path, string text)
    {
        // A file goes only into a real directory: never through a symlink or over what is there.
        string parent = path[..path.LastIndexOf('/')];
        if (tree.Lookup(parent)?.Kind == NodeKind.Directory && tree.Lookup(path) is null)
        {
            tree.Add(path, TreeNode.File(FileContent.FromBytes(Encoding.UTF8.GetBytes(text)), 0x1A4 /* 0644 */));
        }
    }

    // os-release values are shell-quoted strings: escape what a double-quoted string gives meaning to.
    private static string Quote(string value)
    {
        var quoted = new StringBuilder();
        foreach (char c in value)
        {
            if (c is '"' or '\\' or '$' or '`')
            {
                quoted.Append('\\');
            }
            quoted.Append(c is '\n' ? ' ' : c);
        }
        return quoted.ToString();
    }
}
