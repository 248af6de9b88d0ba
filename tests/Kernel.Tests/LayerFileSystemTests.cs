using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Filesystems.Layer;
using UserKernel.Kernel.Filesystems.Overlay;
using UserKernel.Kernel.Vfs;
using UserKernel.RootFs.Sources;
using UserKernel.RootFs.Tree;
using Xunit;
using FileMode = UserKernel.Kernel.Abi.FileMode;

namespace UserKernel.Kernel.Tests;

/// <summary>
/// An overlay's upper layer saved as a layer tar (<see cref="UpperLayer"/>, <see cref="LayerTar"/>) and read back
/// as a layer of a <see cref="LayerStackSuperBlock"/>: the stack must show what the overlay showed.
/// </summary>
public sealed class LayerFileSystemTests : IDisposable
{
    /// <summary>Where the writable files of the filesystems under test keep their bytes.</summary>
    private readonly ContentStore store = new();

    public void Dispose() => store.Dispose();

    private const ulong Device = 9;

    private static FileTree BaseTree()
    {
        var tree = new FileTree();
        tree.Add("etc/passwd", TreeNode.File(FileContent.FromBytes("root:x:0:0\n"u8.ToArray())));
        tree.Add("etc/motd", TreeNode.File(FileContent.FromBytes("hello\n"u8.ToArray())));
        tree.Add("etc/skel/.profile", TreeNode.File(FileContent.FromBytes("PS1=$\n"u8.ToArray())));
        TreeNode shared = TreeNode.File(FileContent.FromBytes("shared\n"u8.ToArray()));
        tree.Add("a/one", shared);
        tree.Add("b/two", shared);
        return tree;
    }

    private static Inode At(Inode root, string path)
    {
        Inode inode = root;
        foreach (string part in path.Trim('/').Split('/')) inode = inode.Lookup(part).Value;
        return inode;
    }

    private static string Text(Inode file)
    {
        var buffer = new byte[4096];
        int n = file.Read(0, buffer).Value;
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    private static List<string> Names(Inode dir) => dir.ReadDirectory().Value.Select(e => e.Name).Where(n => n is not ("." or "..")).Order().ToList();

    /// <summary>Saves the overlay's upper layer and stacks it on <paramref name="lower"/>, as run --persist and run --layer do.</summary>
    private static (LayerStackSuperBlock Stack, List<string> TarNames) SaveAndStack(OverlaySuperBlock overlay, SuperBlock lower, TarSource source)
    {
        var tar = new MemoryStream();
        LayerTar.Write(UpperLayer.Of(overlay), tar);
        tar.Position = 0;
        var names = new List<string>();
        using (var reader = new System.Formats.Tar.TarReader(new MemoryStream(tar.ToArray())))
            for (System.Formats.Tar.TarEntry? e; (e = reader.GetNextEntry()) != null;) names.Add(e.Name);
        var layer = new TreeSuperBlock(source.Read(tar), Device, lower.TotalInodes + 1);
        return (new LayerStackSuperBlock([lower, layer], Device), names);
    }

    [Fact]
    public void A_saved_upper_layer_stacked_on_its_lower_shows_the_overlays_tree()
    {
        // Arrange
        var lower = new TreeSuperBlock(BaseTree(), Device, 1);
        var overlay = new OverlaySuperBlock(lower, Device, store);
        Inode root = overlay.Root, etc = At(root, "/etc");
        Assert.Equal(Errno.OK, etc.Unlink("motd"));
        Inode skel = At(root, "/etc/skel");
        Assert.Equal(Errno.OK, skel.Unlink(".profile"));
        Assert.Equal(Errno.OK, etc.Rmdir("skel"));
        etc.Mkdir("skel", 0x1C0, 0, 0).Value.Create("fresh", FileMode.S_IFREG | 0x1A4, 0, 0);
        Inode passwd = At(root, "/etc/passwd");
        Assert.Equal(Errno.OK, passwd.PrepareWrite());
        Assert.Equal(Errno.OK, passwd.SetAttributes(mode: 0x180, uid: 5, gid: 6));
        Assert.Equal(Errno.OK, passwd.SetXattr("user.note", [0xff, 0x00, 0x01], 0));
        Assert.Equal(Errno.OK, At(root, "/a/one").SetAttributes(mode: 0x1ED));
        Inode made = root.Create("new", FileMode.S_IFREG | 0x1A4, 0, 0).Value;
        Assert.Equal(Errno.OK, root.Link("again", made));
        root.Symlink("sym", "etc/passwd"u8.ToArray(), 0, 0);
        using var source = new TarSource();

        // Act
        (LayerStackSuperBlock stack, List<string> tarNames) = SaveAndStack(overlay, lower, source);

        // Assert
        Assert.Contains("etc/.wh.motd", tarNames);
        Assert.Contains("etc/skel/.wh..wh..opq", tarNames);
        Assert.Contains("b/two", tarNames); // the untouched second name of a changed file
        Assert.Equal(["a", "again", "b", "etc", "new", "sym"], Names(stack.Root));
        Assert.Equal(["passwd", "skel"], Names(At(stack.Root, "/etc")));
        Assert.Equal(["fresh"], Names(At(stack.Root, "/etc/skel")));
        Inode savedPasswd = At(stack.Root, "/etc/passwd");
        Assert.Equal((FileMode.S_IFREG | 0x180, 5u, 6u), (savedPasswd.Mode, savedPasswd.Uid, savedPasswd.Gid));
        Assert.Equal(new byte[] { 0xff, 0x00, 0x01 }, savedPasswd.GetXattr("user.note").Value);
        Assert.Equal("root:x:0:0\n", Text(savedPasswd));
        Assert.Same(At(stack.Root, "/new"), At(stack.Root, "/again"));
        Assert.Same(At(stack.Root, "/a/one"), At(stack.Root, "/b/two"));
        Assert.Equal(FileMode.S_IFREG | 0x1ED, At(stack.Root, "/b/two").Mode);
        Assert.Equal("etc/passwd", Encoding.UTF8.GetString(At(stack.Root, "/sym").ReadLink().Value));
    }

    [Fact]
    public void An_untouched_overlay_saves_an_empty_layer()
    {
        // Arrange
        var lower = new TreeSuperBlock(BaseTree(), Device, 1);
        var overlay = new OverlaySuperBlock(lower, Device, store);
        At(overlay.Root, "/etc/skel/.profile"); // looked up, not changed

        // Act
        IReadOnlyList<LayerChange> changes = UpperLayer.Of(overlay);

        // Assert
        Assert.Empty(changes);
    }

    [Fact]
    public void A_whiteout_in_a_layer_hides_only_the_layers_below_it()
    {
        // Arrange: the upper layer deletes /etc/motd and makes a new /etc/motd of its own in a later step.
        var bottom = new TreeSuperBlock(BaseTree(), Device, 1);
        var upper = new FileTree();
        upper.Add("etc/.wh.motd", TreeNode.File(FileContent.FromBytes([])));
        upper.Add("etc/.wh.passwd", TreeNode.File(FileContent.FromBytes([])));
        upper.Add("etc/motd", TreeNode.File(FileContent.FromBytes("mine\n"u8.ToArray())));
        upper.Add("a/.wh..wh..opq", TreeNode.File(FileContent.FromBytes([])));
        upper.Add("a/own", TreeNode.File(FileContent.FromBytes([])));
        var layer = new TreeSuperBlock(upper, Device, bottom.EndIno);

        // Act
        var stack = new LayerStackSuperBlock([bottom, layer], Device);

        // Assert
        Assert.Equal(["motd", "skel"], Names(At(stack.Root, "/etc")));
        Assert.Equal("mine\n", Text(At(stack.Root, "/etc/motd")));
        Assert.Equal(Errno.ENOENT, At(stack.Root, "/etc").Lookup("passwd").Error);
        Assert.Equal(Errno.ENOENT, At(stack.Root, "/etc").Lookup(".wh.passwd").Error);
        Assert.Equal(["own"], Names(At(stack.Root, "/a")));
        Assert.Equal(Errno.ENOENT, At(stack.Root, "/a").Lookup("one").Error);
        Assert.Equal(".profile", Names(At(stack.Root, "/etc/skel")).Single());
    }
}
