using System;
using System.IO;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.Tools.Tests;

/// <summary>When the launcher's program thinks its build is stale: a source file or directory newer than the stamp, not bin or obj.</summary>
public class LauncherBuildTests
{
    private static readonly DateTime Built = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static TempDir Tree()
    {
        var root = new TempDir("launcher");
        foreach (string dir in new[] { "Kernel/Vfs", "Kernel/obj/Release", "Tools/bin", "SyscallBridge", "RootFs" })
            Directory.CreateDirectory(root.Combine(dir));
        File.WriteAllText(root.Combine("Kernel/Vfs/Inode.cs"), "");
        File.WriteAllText(root.Combine("Kernel/obj/Release/x.cs"), "");
        File.WriteAllText(root.Combine("Directory.Build.props"), "");
        foreach (string entry in Directory.GetFileSystemEntries(root.Path, "*", SearchOption.AllDirectories))
        {
            if (File.Exists(entry)) File.SetLastWriteTimeUtc(entry, Built.AddDays(-1));
            else Directory.SetLastWriteTimeUtc(entry, Built.AddDays(-1));
        }
        return root;
    }

    [Fact]
    public void A_tree_older_than_the_build_is_fresh()
    {
        using TempDir root = Tree();
        Assert.False(LauncherBuild.NewerThan(root.Path, Built));
    }

    [Fact]
    public void An_edited_source_file_deep_in_the_tree_is_stale()
    {
        using TempDir root = Tree();
        File.SetLastWriteTimeUtc(root.Combine("Kernel/Vfs/Inode.cs"), Built.AddSeconds(1));
        Assert.True(LauncherBuild.NewerThan(root.Path, Built));
    }

    [Fact]
    public void A_removed_file_changes_its_directory_and_is_stale()
    {
        using TempDir root = Tree();
        Directory.SetLastWriteTimeUtc(root.Combine("Kernel/Vfs"), Built.AddSeconds(1));
        Assert.True(LauncherBuild.NewerThan(root.Path, Built));
    }

    [Fact]
    public void A_changed_props_file_is_stale()
    {
        using TempDir root = Tree();
        File.SetLastWriteTimeUtc(root.Combine("Directory.Build.props"), Built.AddSeconds(1));
        Assert.True(LauncherBuild.NewerThan(root.Path, Built));
    }

    [Fact]
    public void Build_output_in_bin_and_obj_is_not_a_source()
    {
        using TempDir root = Tree();
        File.SetLastWriteTimeUtc(root.Combine("Kernel/obj/Release/x.cs"), Built.AddSeconds(1));
        Directory.SetLastWriteTimeUtc(root.Combine("Kernel/obj/Release"), Built.AddSeconds(1));
        Directory.SetLastWriteTimeUtc(root.Combine("Kernel/obj"), Built.AddSeconds(1));
        Directory.SetLastWriteTimeUtc(root.Combine("Tools/bin"), Built.AddSeconds(1));
        Assert.False(LauncherBuild.NewerThan(root.Path, Built));
    }
}
