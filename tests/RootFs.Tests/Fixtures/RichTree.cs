using System;
using System.IO;
using System.Linq;
using Mono.Unix.Native;

namespace UserKernel.RootFs.Tests.Fixtures;

/// <summary>A host directory with what the writer must get right: TarFixtures' tree plus devices, a socket, sparse and many-extent files, a big directory, ACLs and large xattrs.</summary>
public static class RichTree
{
    public const string BigDir = "big";
    public const int BigDirEntries = 3000;
    public const string Sparse = "sparse.bin";
    public const string HardB = TarFixtures.HardB;

    public static void Make(string root)
    {
        TarFixtures.MakeTree(root);
        var random = new Random(4);
        Directory.CreateDirectory(Path.Combine(root, BigDir));
        for (int i = 0; i < BigDirEntries; i++)
        {
            File.WriteAllBytes(Path.Combine(root, BigDir, $"entry-{i:D4}-{new string('x', i % 41)}"), []);
        }
        using (var sparse = File.Create(Path.Combine(root, Sparse)))
        {
            sparse.Write(Bytes(random, 5000));
            sparse.Position = 3 * 1024 * 1024;
            sparse.Write(Bytes(random, 100));
            sparse.SetLength(9 * 1024 * 1024); // a trailing hole
        }
        // 700 separate chunks: more extents than i_block holds, more blocks than direct pointers reach.
        using (var fragmented = File.Create(Path.Combine(root, "fragmented.bin")))
        {
            for (int i = 0; i < 700; i++)
            {
                fragmented.Position = i * 8192L;
                fragmented.Write(Bytes(random, 4096));
            }
        }
        File.WriteAllBytes(Path.Combine(root, "random.bin"), Bytes(random, 5 * 1024 * 1024 + 77));
        Directory.CreateDirectory(Path.Combine(root, "dev"));
        Check(Syscall.mknod(Path.Combine(root, "dev/null"), FilePermissions.S_IFCHR | (FilePermissions)Convert.ToUInt32("666", 8), SourceTree.MakeDev(1, 3)), "mknod (run the tests as root)");
        Check(Syscall.mknod(Path.Combine(root, "dev/wide"), FilePermissions.S_IFBLK | (FilePermissions)Convert.ToUInt32("660", 8), SourceTree.MakeDev(300, 70000)), "mknod (run the tests as root)");
        Check(Syscall.mknod(Path.Combine(root, "dev/sock"), FilePermissions.S_IFSOCK | (FilePermissions)Convert.ToUInt32("600", 8), 0), "mknod socket");
        File.WriteAllText(Path.Combine(root, "acl"), "acl");
        // USER_OBJ rw-, USER 1000 r--, GROUP_OBJ r--, MASK r--, OTHER ---.
        var acl = new byte[] { 2, 0, 0, 0, 1, 0, 6, 0, 255, 255, 255, 255, 2, 0, 4, 0, 232, 3, 0, 0, 4, 0, 4, 0, 255, 255, 255, 255, 16, 0, 4, 0, 255, 255, 255, 255, 32, 0, 0, 0, 255, 255, 255, 255 };
        Check(Syscall.lsetxattr(Path.Combine(root, "acl"), "system.posix_acl_access", acl, XattrFlags.XATTR_AUTO), "setting an ACL");
        File.WriteAllText(Path.Combine(root, "many-xattrs"), "x");
        for (int i = 0; i < 6; i++)
        {
            Check(Syscall.lsetxattr(Path.Combine(root, "many-xattrs"), $"user.attr{i}", Bytes(random, 100 + i * 50), XattrFlags.XATTR_AUTO), "lsetxattr");
        }
        Check(Syscall.lsetxattr(Path.Combine(root, "etc"), "trusted.overlay.opaque", "y"u8.ToArray(), XattrFlags.XATTR_AUTO), "lsetxattr trusted");
        Check(Syscall.lchown(Path.Combine(root, "random.bin"), 123456, 654321), "lchown");
    }

    private static byte[] Bytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"{what} failed: {Stdlib.GetLastError()}");
        }
    }
}
