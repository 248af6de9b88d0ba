using UserKernel.RootFs.Image;
using UserKernel.RootFs.Layers;
using UserKernel.RootFs.Tree;
using Xunit;
using static UserKernel.RootFs.Tests.Layers.Entries;

namespace UserKernel.RootFs.Tests.Layers;

/// <summary>LayerApplier against the OCI image-spec's rules for applying a changeset, on trees built here.</summary>
public sealed class LayerApplierTests
{
    private static FileTree Base()
    {
        var tree = new FileTree();
        LayerApplier.Apply(tree, Layer()
            .Dir("etc").File("etc/motd", "hi").File("etc/hostname", "base")
            .Dir("a").Dir("a/b").Dir("a/b/c").File("a/b/c/bar", "bar")
            .Dir("bin", 0x1ED).File("bin/tool", "v1", 0x1ED).Dir("bin/tools").File("bin/tools/one", "1"));
        return tree;
    }

    [Fact]
    public void Whiteout_removes_a_lower_file_and_a_lower_directory_with_all_it_holds()
    {
        var tree = Base();

        LayerApplier.Apply(tree, Layer().Whiteout("etc/.wh.motd").Whiteout("./bin/.wh.tools"));

        Assert.Null(tree.Lookup("etc/motd"));
        Assert.Null(tree.Lookup("bin/tools"));
        Assert.NotNull(tree.Lookup("etc/hostname"));
        Assert.NotNull(tree.Lookup("bin/tool"));
        Assert.Null(tree.Lookup("etc/.wh.motd"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Whiteout_never_hides_what_its_own_layer_adds_wherever_it_sits(bool markerFirst)
    {
        var tree = Base();
        var layer = Layer();
        if (markerFirst) layer.Whiteout("etc/.wh.motd");
        layer.File("etc/motd", "new");
        if (!markerFirst) layer.Whiteout("etc/.wh.motd");

        LayerApplier.Apply(tree, layer);

        Assert.Equal("/etc/motd 0644 0:0 file 'new'", TreeListing.Line("/etc/motd", tree.Lookup("etc/motd")!));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Opaque_directory_drops_the_lower_layers_contents_and_keeps_its_own(bool markerFirst)
    {
        // The image-spec's own example: a/b is deleted and recreated with a/b/c/foo.
        var tree = Base();
        var layer = Layer().Dir("a");
        if (markerFirst) layer.Whiteout("a/.wh..wh..opq");
        layer.Dir("a/b").Dir("a/b/c").File("a/b/c/foo", "foo");
        if (!markerFirst) layer.Whiteout("a/.wh..wh..opq");

        LayerApplier.Apply(tree, layer);

        Assert.Null(tree.Lookup("a/b/c/bar"));
        Assert.NotNull(tree.Lookup("a/b/c/foo"));
        Assert.Null(tree.Lookup("a/.wh..wh..opq"));
    }

    [Fact]
    public void Opaque_marker_alone_empties_the_directory()
    {
        var tree = Base();

        LayerApplier.Apply(tree, Layer().Whiteout("bin/.wh..wh..opq"));

        Assert.Empty(tree.Lookup("bin")!.Children!);
        Assert.NotNull(tree.Lookup("etc/motd"));
    }

    [Fact]
    public void Directory_over_directory_takes_the_new_attributes_and_keeps_the_children()
    {
        var tree = Base();

        LayerApplier.Apply(tree, Layer().Dir("etc", 0x1C0 /* 0700 */, uid: 5));

        var etc = tree.Lookup("etc")!;
        Assert.Equal(0x1C0u, etc.Mode);
        Assert.Equal(5u, etc.Uid);
        Assert.NotNull(tree.Lookup("etc/motd"));
    }

    [Fact]
    public void A_file_replaces_a_directory_and_a_directory_replaces_a_file()
    {
        var tree = Base();

        LayerApplier.Apply(tree, Layer().File("bin/tools", "now a file").Dir("etc/motd", 0x1C9 /* 0711 */).File("etc/motd/inside", "x"));

        Assert.Equal(NodeKind.Regular, tree.Lookup("bin/tools")!.Kind);
        Assert.Equal(NodeKind.Directory, tree.Lookup("etc/motd")!.Kind);
        Assert.Equal(0x1C9u, tree.Lookup("etc/motd")!.Mode);
        Assert.Single(tree.Lookup("etc/motd")!.Children!);
    }

    [Fact]
    public void Hard_links_share_one_node_and_a_link_to_nothing_is_refused()
    {
        var tree = Base();

        LayerApplier.Apply(tree, Layer().File("usr/bin/busybox", "bb", 0x1ED).Link("usr/bin/sh", "usr/bin/busybox").Link("bin/ls", "./usr/bin/busybox"));

        Assert.Same(tree.Lookup("usr/bin/busybox"), tree.Lookup("usr/bin/sh"));
        Assert.Same(tree.Lookup("usr/bin/busybox"), tree.Lookup("bin/ls"));
        var error = Assert.Throws<ImageFormatException>(() => LayerApplier.Apply(tree, Layer().Link("x", "no/such")));
        Assert.Contains("'x'", error.Message);
        Assert.Throws<ImageFormatException>(() => LayerApplier.Apply(tree, Layer().Link("y", "etc")));
    }

    [Fact]
    public void Missing_parents_are_made_and_a_symlinked_parent_is_followed_inside_the_tree()
    {
        var tree = new FileTree();
        LayerApplier.Apply(tree, Layer().Dir("usr").Dir("usr/lib").Symlink("lib", "usr/lib").Symlink("lib64", "/../../usr/lib"));

        LayerApplier.Apply(tree, Layer().File("lib/libc.so", "c").File("lib64/ld.so", "ld").File("deep/new/dir/file", "f"));

        Assert.Equal(NodeKind.Symlink, tree.Lookup("lib")!.Kind);
        Assert.NotNull(tree.Lookup("usr/lib/libc.so"));
        Assert.NotNull(tree.Lookup("usr/lib/ld.so"));
        Assert.Equal(NodeKind.Directory, tree.Lookup("deep/new/dir")!.Kind);
        Assert.Equal(0x1EDu, tree.Lookup("deep/new")!.Mode);
    }

    [Fact]
    public void A_whiteout_under_a_missing_directory_makes_nothing()
    {
        var tree = Base();
        string before = TreeListing.Of(tree);

        LayerApplier.Apply(tree, Layer().Whiteout("no/such/.wh.thing").Whiteout("etc/.wh.nothing"));

        Assert.Equal(before, TreeListing.Of(tree));
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("a/../../x")]
    public void Entries_that_climb_out_are_refused(string path)
    {
        var error = Assert.Throws<ImageFormatException>(() => LayerApplier.Apply(new FileTree(), Layer().File(path, "x")));
        Assert.Contains("'..'", error.Message);
    }

    [Theory]
    [InlineData("etc/.wh.")]
    [InlineData("etc/.wh..")]
    [InlineData("etc/.wh...")]
    public void Whiteouts_of_the_directory_itself_are_refused(string path)
    {
        Assert.Throws<ImageFormatException>(() => LayerApplier.Apply(Base(), Layer().Whiteout(path)));
    }

    [Fact]
    public void A_symlink_loop_in_a_parent_is_refused()
    {
        var tree = new FileTree();
        LayerApplier.Apply(tree, Layer().Symlink("a", "b").Symlink("b", "a"));

        var error = Assert.Throws<ImageFormatException>(() => LayerApplier.Apply(tree, Layer().File("a/x", "x")));
        Assert.Contains("symbolic links", error.Message);
    }

    [Fact]
    public void The_root_entry_sets_the_roots_attributes()
    {
        var tree = Base();

        LayerApplier.Apply(tree, Layer().Dir("./", 0x1C0 /* 0700 */));

        Assert.Equal(0x1C0u, tree.Root.Mode);
        Assert.Throws<ImageFormatException>(() => LayerApplier.Apply(tree, Layer().File("/", "x")));
    }
}
