using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using UserKernel.Kernel.Syscalls;
using UserKernel.Tools.CommandLine;
using UserKernel.Tools.Commands;
using Xunit;

namespace UserKernel.Tools.Tests;

public class SyscallsCommandTests
{
    private static string[] Lines(string text) => text.Split('\n');

    [Fact]
    public void Text_has_one_aligned_line_per_row()
    {
        // Act
        string text = SyscallsCommand.Render("text");

        // Assert
        string[] lines = Lines(text);
        Assert.StartsWith("NR", lines[0].TrimStart());
        Dictionary<int, string> byNumber = lines.Skip(1).TakeWhile(l => l.Length > 0)
            .ToDictionary(l => int.Parse(l.AsSpan(0, lines[0].IndexOf("NR", StringComparison.Ordinal) + 2)), l => l);
        Assert.Equal(SyscallTable.Rows.Count, byNumber.Count);
        int nameColumn = lines[0].IndexOf("NAME", StringComparison.Ordinal);
        int handlerColumn = lines[0].IndexOf("HANDLER", StringComparison.Ordinal);
        foreach (SyscallEntry row in SyscallTable.Rows)
        {
            string line = byNumber[row.Number];
            Assert.Equal(row.Name, line[nameColumn..].Split(' ')[0]);
            Assert.Equal(row.Handler?.Method.Name ?? "-", line[handlerColumn..].Split(' ')[0]);
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(SyscallsCommand.DispositionName(row.Disposition), words[2]);
            Assert.Equal(SyscallClasses.Name(row.Class), words[3]);
            Assert.EndsWith(row.Note, line);
        }
    }

    [Fact]
    public void Text_totals_count_the_rows()
    {
        // Act
        string text = SyscallsCommand.Render("text");

        // Assert
        Dictionary<string, int> totals = Lines(text).SkipWhile(l => l.Length > 0).Skip(1).Where(l => l.Length > 0)
            .ToDictionary(l => l[..14].Trim(), l => int.Parse(l[14..18]));
        Assert.Equal(Count(Disposition.Emulate), totals["emulated"]);
        Assert.Equal(Count(Disposition.Forward), totals["forwarded"]);
        Assert.Equal(Count(Disposition.Passthrough), totals["passthrough"]);
        Assert.Equal(Count(Disposition.Unimplemented), totals["unimplemented"]);
        Assert.Equal(SyscallTable.Rows.Count, totals["syscalls"]);
        Assert.Equal(NumbersWithoutSyscall(), totals["no syscall"]);
    }

    [Fact]
    public void Markdown_has_one_table_line_per_row_and_explains_the_dispositions()
    {
        // Act
        string markdown = SyscallsCommand.Render("markdown");

        // Assert
        foreach (string disposition in new[] { "passthrough", "emulated", "forwarded", "unimplemented" })
            Assert.Contains($"- **{disposition}**:", markdown);
        foreach (string stops in new[] { "ptrace", "notification", "never" })
            Assert.Contains($"**{stops}**", markdown);
        HashSet<string> lines = Lines(markdown).ToHashSet();
        foreach (SyscallEntry row in SyscallTable.Rows)
        {
            string handler = row.Handler == null ? "-" : $"`{row.Handler.Method.Name}`";
            string expected = $"| {row.Number} | {row.Name} | {SyscallsCommand.DispositionName(row.Disposition)} | {SyscallClasses.Name(row.Class)} | {SyscallsCommand.StopsName(row)} | {handler} | {row.Note} |";
            Assert.Contains(expected, lines);
        }
        Assert.Contains($"| **all syscalls** | {SyscallTable.Rows.Count} |", lines);
    }

    [Fact]
    public void Json_is_one_document_with_every_row()
    {
        // Act
        using JsonDocument doc = JsonDocument.Parse(SyscallsCommand.Render("json"));

        // Assert
        JsonElement[] rows = doc.RootElement.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal(SyscallTable.Rows.Count, rows.Length);
        for (int i = 0; i < rows.Length; i++)
        {
            SyscallEntry row = SyscallTable.Rows[i];
            JsonElement r = rows[i];
            Assert.Equal(row.Number, r.GetProperty("number").GetInt32());
            Assert.Equal(row.Name, r.GetProperty("name").GetString());
            Assert.Equal(SyscallsCommand.DispositionName(row.Disposition), r.GetProperty("disposition").GetString());
            Assert.Equal(SyscallClasses.Name(row.Class), r.GetProperty("class").GetString());
            Assert.Equal(row.Handler?.Method.Name, r.GetProperty("handler").GetString());
            Assert.Equal(row.Note, r.GetProperty("note").GetString());
        }
    }

    [Fact]
    public void Json_totals_equal_the_row_counts()
    {
        // Act
        using JsonDocument doc = JsonDocument.Parse(SyscallsCommand.Render("json"));

        // Assert
        JsonElement[] rows = doc.RootElement.GetProperty("rows").EnumerateArray().ToArray();
        JsonElement totals = doc.RootElement.GetProperty("totals");
        foreach (string disposition in new[] { "emulated", "forwarded", "passthrough", "unimplemented" })
        {
            int counted = rows.Count(r => r.GetProperty("disposition").GetString() == disposition);
            Assert.True(counted > 0, disposition);
            Assert.Equal(counted, totals.GetProperty(disposition).GetInt32());
        }
        Assert.Equal(rows.Length, totals.GetProperty("syscalls").GetInt32());
        int highest = totals.GetProperty("highestNumber").GetInt32();
        Assert.Equal(rows.Max(r => r.GetProperty("number").GetInt32()), highest);
        Assert.Equal(highest + 1 - rows.Length, totals.GetProperty("noSyscall").GetInt32());
        Assert.Equal(NumbersWithoutSyscall(), totals.GetProperty("noSyscall").GetInt32());
    }

    [Theory]
    [InlineData("text")]
    [InlineData("json")]
    [InlineData("markdown")]
    public void Every_format_ends_in_one_newline(string format)
    {
        string output = SyscallsCommand.Render(format);
        Assert.EndsWith("\n", output);
        Assert.False(output.EndsWith("\n\n", StringComparison.Ordinal));
        Assert.DoesNotContain("\r", output);
    }

    [Fact]
    public void An_unknown_format_is_a_usage_error()
    {
        var ex = Assert.Throws<UsageException>(() => SyscallsCommand.Render("xml"));
        Assert.Contains("xml", ex.Message);
    }

    [Fact]
    public async Task An_unknown_format_exits_125_with_one_line()
    {
        // Act
        UserKernelRun run = await UserKernelRun.StartAsync("syscalls", "--format=xml");

        // Assert
        Assert.True(run.ExitCode == 125, run.ToString());
        Assert.Equal("", run.StandardOutput);
        string[] errorLines = run.StandardError.TrimEnd('\n').Split('\n');
        Assert.Single(errorLines);
        Assert.Equal("userkernel: syscalls: unknown format 'xml' (text, json or markdown)", errorLines[0]);
    }

    [Fact]
    public async Task An_unknown_option_exits_125_with_one_line()
    {
        UserKernelRun run = await UserKernelRun.StartAsync("syscalls", "--verbose");

        Assert.True(run.ExitCode == 125, run.ToString());
        Assert.Single(run.StandardError.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task The_program_prints_what_Render_returns()
    {
        UserKernelRun run = await UserKernelRun.StartAsync("syscalls", "--format=json");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(SyscallsCommand.Render("json"), run.StandardOutput);
    }

    [Fact]
    public void Help_names_every_format_and_every_class()
    {
        // Act
        string help = HelpPage.Write(SyscallsCommand.Definition());

        // Assert
        Assert.Contains("--format " + string.Join('|', SyscallsCommand.Formats), help);
        foreach (string format in SyscallsCommand.Formats)
            Assert.Contains(format + ":", help);
        foreach (string cls in SyscallClasses.All)
            Assert.Contains(cls, help);
    }

    [Fact]
    public void Every_class_has_a_name_and_a_row()
    {
        foreach (SyscallClass c in Enum.GetValues<SyscallClass>())
        {
            Assert.Contains(SyscallClasses.Name(c), SyscallClasses.All);
            Assert.Contains(SyscallTable.Rows, r => r.Class == c);
        }
        Assert.Equal(Enum.GetValues<SyscallClass>().Length, SyscallClasses.All.Count);
    }

    [Theory]
    [InlineData("openat", "file")]
    [InlineData("execve", "process")]
    [InlineData("mmap", "memory")]
    [InlineData("kill", "signal")]
    [InlineData("connect", "network")]
    [InlineData("shmat", "ipc")]
    [InlineData("clock_gettime", "time")]
    [InlineData("getuid", "identity")]
    [InlineData("read", "other")]
    public void Classes_follow_strace(string name, string expected) =>
        Assert.Equal(expected, SyscallClasses.Name(SyscallTable.Rows.Single(r => r.Name == name).Class));

    private static int Count(Disposition d) => SyscallTable.Rows.Count(r => r.Disposition == d);

    private static int NumbersWithoutSyscall() => SyscallTable.ByNumber.Count(r => r == null);
}
