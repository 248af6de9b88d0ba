using System;
using System.IO;
using UserKernel.Tools.Commands;
using Xunit;

namespace UserKernel.Tools.Tests;

public class GeneratedDocsTests
{
    private const string Regenerate = "./userkernel syscalls --format=markdown > docs/syscalls.md";

    [Fact]
    public void Docs_syscalls_md_is_what_the_table_generates()
    {
        // Arrange
        string path = Path.Combine(RepositoryRoot(), "docs", "syscalls.md");
        Assert.True(File.Exists(path), $"{path} is missing; generate it from the repository root with: {Regenerate}");

        // Act
        string expected = SyscallsCommand.Render("markdown");
        string actual = File.ReadAllText(path);

        // Assert
        if (actual == expected) return;
        string[] want = expected.Split('\n'), have = actual.Split('\n');
        int line = 0;
        while (line < want.Length && line < have.Length && want[line] == have[line]) line++;
        Assert.Fail(
            $"docs/syscalls.md differs from what Kernel/Syscalls/SyscallTable.cs generates, first at line {line + 1}:\n" +
            $"  file:  {(line < have.Length ? have[line] : "(end of file)")}\n" +
            $"  table: {(line < want.Length ? want[line] : "(end of output)")}\n" +
            $"Regenerate it from the repository root with: {Regenerate}");
    }

    /// <summary>The folder holding UserKernel.sln, found by walking up from the test's base directory.</summary>
    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "UserKernel.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no UserKernel.sln above {AppContext.BaseDirectory}");
    }
}
