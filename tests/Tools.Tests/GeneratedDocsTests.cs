using System;
using System.IO;
using UserKernel.Tools.Commands;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.Tools.Tests;

public class GeneratedDocsTests
{
    private const string Regenerate = "./userkernel syscalls --format=markdown > docs/syscalls.md";

    [Fact]
    public void Docs_syscalls_md_is_what_the_table_generates()
    {
        // Arrange
        string path = Path.Combine(Repository.Root, "docs", "syscalls.md");
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
}
