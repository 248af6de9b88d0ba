using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using UserKernel.RootFs.Sources.HostPrograms;
using UserKernel.RootFs.Tree;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.RootFs.Tests;

/// <summary>
/// The host-program source against the host's own loader: the libraries ldd lists for a
/// program are exactly the ones the tree holds, at the paths the loader opens, with the
/// symlinks on the way reproduced.
/// </summary>
public sealed class HostProgramSourceTests
{
    private const string Python = "/usr/bin/python3";

    [Fact]
    public async Task Library_closure_matches_what_ldd_reports()
    {
        // Arrange
        string lddOutput = await HostTool.RunAsync("ldd", "libc-bin", [Python]);
        var expected = Regex.Matches(lddOutput, @"=> (/\S+)").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(expected);
        var source = new HostProgramSource();

        // Act
        source.AddProgram(Python, "");

        // Assert
        foreach (string library in expected)
        {
            var node = Follow(source.Tree, library);
            Assert.True(node is { Kind: NodeKind.Regular }, $"{library} (from ldd) is not a file in the tree");
            Assert.Equal(0, Mono.Unix.Native.Syscall.stat(library, out var st));
            Assert.Equal(st.st_size, node!.Content!.Length);
        }
        var regularFiles = source.Tree.Walk().Where(e => e.Node.Kind == NodeKind.Regular).Select(e => e.Path).ToList();
        // The program, the loader, and the libraries: nothing more.
        Assert.True(expected.Count + 2 == regularFiles.Count, string.Join("\n", regularFiles));
        Assert.Empty(source.Warnings);
    }

    [Fact]
    public void Symlinks_on_the_way_are_symlinks_in_the_tree()
    {
        var source = new HostProgramSource();

        source.AddProgram(Python, "");

        // Each symlink the host walk meets is copied with its target, whatever the host's layout.
        foreach (string path in new[] { "/usr/bin/python3", "/lib64", "/lib64/ld-linux-x86-64.so.2", "/lib" })
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is null)
            {
                continue;
            }
            var node = source.Tree.LookupThroughLinks(path);
            Assert.True(node is { Kind: NodeKind.Symlink }, $"{path} should be a symlink in the tree");
            Assert.Equal(info.LinkTarget, node!.SymlinkTarget);
        }
        var program = Follow(source.Tree, Python);
        Assert.Equal(NodeKind.Regular, program!.Kind);
        Assert.Equal(Convert.ToUInt32("755", 8), program.Mode);
    }

    [Fact]
    public void A_name_is_found_on_the_search_path()
    {
        var source = new HostProgramSource();

        string path = source.AddProgram("python3", "/nonexistent:/usr/bin");

        Assert.Equal("/usr/bin/python3", path);
        Assert.NotNull(Follow(source.Tree, "/usr/bin/python3"));
    }

    [Fact]
    public void A_missing_program_is_a_clear_error()
    {
        var source = new HostProgramSource();

        var ex = Assert.Throws<FileNotFoundException>(() => source.AddProgram("no-such-program-here", "/usr/bin:/bin"));

        Assert.Contains("no-such-program-here: not found", ex.Message);
    }

    [Fact]
    public async Task Runpath_with_origin_finds_a_private_library()
    {
        // Arrange: /tmp/.../app/bin/prog needs libpriv.so from $ORIGIN/../lib, which no default path has.
        using var dir = new TempDir("origin");
        Directory.CreateDirectory(dir.Combine("app", "bin"));
        Directory.CreateDirectory(dir.Combine("app", "lib"));
        File.WriteAllText(dir.Combine("priv.c"), "int priv(void) { return 7; }\n");
        File.WriteAllText(dir.Combine("main.c"), "int priv(void);\nint main(void) { return priv(); }\n");
        await HostTool.RunAsync("gcc", "gcc", ["-shared", "-fPIC", "-o", dir.Combine("app", "lib", "libpriv.so"), dir.Combine("priv.c")]);
        await HostTool.RunAsync("gcc", "gcc", ["-o", dir.Combine("app", "bin", "prog"), dir.Combine("main.c"),
            "-L" + dir.Combine("app", "lib"), "-lpriv", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib"]);
        var source = new HostProgramSource();

        // Act
        source.AddProgram(dir.Combine("app", "bin", "prog"), "");

        // Assert
        Assert.Equal(NodeKind.Regular, Follow(source.Tree, dir.Combine("app", "lib", "libpriv.so"))?.Kind);
        var elf = ElfDependencies.TryRead(dir.Combine("app", "bin", "prog"))!;
        Assert.Equal(["$ORIGIN/../lib"], elf.RunPath);
        Assert.Contains("libpriv.so", elf.Needed);
    }

    [Fact]
    public async Task A_library_the_loader_cannot_find_is_an_error_naming_it()
    {
        using var dir = new TempDir("missing-lib");
        File.WriteAllText(dir.Combine("gone.c"), "int gone(void) { return 1; }\n");
        File.WriteAllText(dir.Combine("main.c"), "int gone(void);\nint main(void) { return gone(); }\n");
        await HostTool.RunAsync("gcc", "gcc", ["-shared", "-fPIC", "-o", dir.Combine("libgone.so"), dir.Combine("gone.c")]);
        await HostTool.RunAsync("gcc", "gcc", ["-o", dir.Combine("prog"), dir.Combine("main.c"), "-L" + dir.Path, "-lgone"]);
        File.Delete(dir.Combine("libgone.so"));
        var source = new HostProgramSource();

        var ex = Assert.Throws<FileNotFoundException>(() => source.AddProgram(dir.Combine("prog"), ""));

        Assert.Contains("needs libgone.so", ex.Message);
    }

    [Fact]
    public void A_script_brings_its_interpreter()
    {
        using var dir = new TempDir("script");
        string script = dir.Combine("hello");
        File.WriteAllText(script, "#!/usr/bin/python3 -S\nprint('hi')\n");
        Assert.Equal(0, Mono.Unix.Native.Syscall.chmod(script, (Mono.Unix.Native.FilePermissions)Convert.ToUInt32("755", 8)));
        var source = new HostProgramSource();

        source.AddProgram(script, "");

        Assert.Equal(NodeKind.Regular, Follow(source.Tree, script)?.Kind);
        Assert.Equal(NodeKind.Regular, Follow(source.Tree, Python)?.Kind);
        Assert.Equal(NodeKind.Regular, Follow(source.Tree, "/lib64/ld-linux-x86-64.so.2")?.Kind);
    }

    [Fact]
    public void A_sysroot_keeps_absolute_symlinks_inside_it()
    {
        // Arrange: a fake host root where /opt/current -> /opt/v2 (absolute) and /opt/v2/data/x is a file.
        using var root = new TempDir("sysroot");
        Directory.CreateDirectory(root.Combine("opt", "v2", "data"));
        File.WriteAllText(root.Combine("opt", "v2", "data", "x"), "x\n");
        File.CreateSymbolicLink(root.Combine("opt", "current"), "/opt/v2");
        File.CreateSymbolicLink(root.Combine("opt", "v2", "data", "self"), "../data");
        var source = new HostProgramSource(root.Path, LdSoCache.Empty);

        // Act
        source.AddTree("/opt/current/data");

        // Assert: the link is reproduced, the data is at the resolved path, the inner link is copied as is.
        Assert.Equal("/opt/v2", source.Tree.Lookup("/opt/current")?.SymlinkTarget);
        Assert.Equal(NodeKind.Regular, source.Tree.Lookup("/opt/v2/data/x")?.Kind);
        Assert.Equal("../data", source.Tree.Lookup("/opt/v2/data/self")?.SymlinkTarget);
        Assert.Null(source.Tree.Lookup("/opt/v2/data/self/x"));
    }

    [Fact]
    public void A_tree_can_be_added_at_another_path()
    {
        using var root = new TempDir("sysroot");
        Directory.CreateDirectory(root.Combine("src", "sub"));
        File.WriteAllText(root.Combine("src", "sub", "f"), "f\n");
        var source = new HostProgramSource(root.Path, LdSoCache.Empty);

        source.AddTree("/src", "/usr/share/thing");

        Assert.Equal(NodeKind.Regular, source.Tree.Lookup("/usr/share/thing/sub/f")?.Kind);
        Assert.Null(source.Tree.Lookup("/src"));
    }

    [Fact]
    public void Hard_links_on_the_host_stay_one_inode()
    {
        using var root = new TempDir("sysroot");
        Directory.CreateDirectory(root.Combine("d"));
        File.WriteAllText(root.Combine("d", "a"), "same\n");
        Assert.Equal(0, Mono.Unix.Native.Syscall.link(root.Combine("d", "a"), root.Combine("d", "b")));
        var source = new HostProgramSource(root.Path, LdSoCache.Empty);

        source.AddTree("/d");

        Assert.Same(source.Tree.Lookup("/d/a"), source.Tree.Lookup("/d/b"));
    }

    [Fact]
    public void The_base_system_has_users_and_directories_and_says_what_made_it()
    {
        var source = new HostProgramSource("/", LdSoCache.Empty);

        source.AddBaseSystem("userkernel image from-host test");

        Assert.Equal(Convert.ToUInt32("1777", 8), source.Tree.Lookup("/tmp")!.Mode);
        foreach (string dir in new[] { "/root", "/dev", "/proc", "/sys" })
        {
            Assert.Equal(NodeKind.Directory, source.Tree.Lookup(dir)?.Kind);
        }
        string passwd = Text(source.Tree.Lookup("/etc/passwd")!);
        Assert.StartsWith("root:x:0:0:", passwd);
        Assert.Contains("\nnobody:x:65534:65534:", passwd);
        Assert.Contains("localhost", Text(source.Tree.Lookup("/etc/hosts")!));
        Assert.Contains("passwd: files", Text(source.Tree.Lookup("/etc/nsswitch.conf")!));
        Assert.Contains("userkernel image from-host test", Text(source.Tree.Lookup("/etc/os-release")!));
    }

    private static string Text(TreeNode file)
    {
        using var reader = new StreamReader(file.Content!.Open());
        return reader.ReadToEnd();
    }

    /// <summary>The node at <paramref name="path"/>, following symlinks in the tree as a guest would.</summary>
    private static TreeNode? Follow(FileTree tree, string path) => tree.LookupThroughLinks(path, followLast: true);
}

internal static class FileTreeWalks
{
    /// <summary>
    /// Looks up <paramref name="path"/> in the tree, following the symlinks held in the tree (absolute
    /// targets from its root); the last one only when <paramref name="followLast"/>.
    /// </summary>
    public static TreeNode? LookupThroughLinks(this FileTree tree, string path, bool followLast = false)
    {
        var pending = new LinkedList<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var walked = new List<TreeNode>();
        var current = tree.Root;
        for (int hops = 0; pending.First is { } first;)
        {
            pending.RemoveFirst();
            if (first.Value == "..")
            {
                if (walked.Count > 0) walked.RemoveAt(walked.Count - 1);
                current = walked.Count > 0 ? walked[^1] : tree.Root;
                continue;
            }
            if (first.Value == ".") continue;
            if (current.Children is null || !current.Children.TryGetValue(first.Value, out var child)) return null;
            if (child.Kind == NodeKind.Symlink && (pending.Count > 0 || followLast))
            {
                if (++hops > 40) return null;
                if (child.SymlinkTarget!.StartsWith('/'))
                {
                    walked.Clear();
                    current = tree.Root;
                }
                foreach (string part in child.SymlinkTarget.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
                {
                    pending.AddFirst(part);
                }
                continue;
            }
            walked.Add(child);
            current = child;
        }
        return current;
    }
}
