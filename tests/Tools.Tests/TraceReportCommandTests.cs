using System;
using System.IO;
using System.Threading.Tasks;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.Tools.Tests;

/// <summary>`userkernel trace report`: what it makes of a --trace-json file, and one line and 125 for bad input.</summary>
public sealed class TraceReportCommandTests
{
    private const string Fork = """{"type":"fork","time":1.5,"pid":1,"tid":1,"child_pid":2,"child_tid":2,"comm":"sh","ts_ns":2000}""";
    private const string Exec = """{"type":"exec","time":1.5,"pid":2,"tid":2,"path":"/bin/ls","comm":"ls","ts_ns":3000}""";
    private const string Openat = """{"type":"syscall","time":1.5,"pid":2,"tid":2,"number":257,"name":"openat","args":["AT_FDCWD","\"</script><b>\"","O_RDONLY"],"result":-1,"errno":"ENOENT","disposition":"emulated","duration_ns":5000,"kernel_ns":4000,"ts_ns":4000,"text":"openat(AT_FDCWD, \"</script><b>\", O_RDONLY) = -1 ENOENT (No such file or directory)"}""";

    [Fact]
    public async Task Report_is_one_page_with_the_data_and_its_script_inline()
    {
        // Arrange
        using var dir = new TempDir("report-page");
        string jsonl = dir.Combine("t.jsonl");
        File.WriteAllLines(jsonl, [Fork, Exec, Openat, "", """{"type":"something-newer","time":2,"pid":1}"""]);

        // Act
        UserKernelRun run = await UserKernelRun.StartAsync("trace", "report", jsonl);

        // Assert
        Assert.True(run.ExitCode == 0, run.ToString());
        string page = File.ReadAllText(dir.Combine("t.html"));
        Assert.StartsWith("<!DOCTYPE html>", page, StringComparison.Ordinal);
        Assert.Contains("\"name\":\"sh \\u2192 ls\"", page, StringComparison.Ordinal);
        Assert.Contains("\"parent\":1", page, StringComparison.Ordinal);
        Assert.Contains("data-rendered", page, StringComparison.Ordinal);
        // A guest's string cannot end the data's script element.
        Assert.Equal(2, page.Split("</script>").Length - 1);
        Assert.DoesNotContain("<script src", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_trace_file_is_one_line_and_status_125()
    {
        // Arrange
        using var dir = new TempDir("report-missing");

        // Act
        UserKernelRun run = await UserKernelRun.StartAsync("trace", "report", dir.Combine("none.jsonl"), "-o", dir.Combine("r.html"));

        // Assert
        Assert.Equal(125, run.ExitCode);
        Assert.StartsWith("userkernel: trace report: cannot read " + dir.Combine("none.jsonl"), run.StandardError, StringComparison.Ordinal);
        Assert.Single(run.StandardError.TrimEnd('\n').Split('\n'));
        Assert.False(File.Exists(dir.Combine("r.html")));
    }

    [Theory]
    [InlineData("this is not json")]
    [InlineData("""{"type":"syscall","time":1.5,"pid":2}""")]
    [InlineData("""[1, 2, 3]""")]
    public async Task Malformed_line_is_named_with_its_number_and_nothing_is_written(string bad)
    {
        // Arrange
        using var dir = new TempDir("report-malformed");
        string jsonl = dir.Combine("t.jsonl");
        File.WriteAllLines(jsonl, [Fork, bad, Openat]);

        // Act
        UserKernelRun run = await UserKernelRun.StartAsync("trace", "report", jsonl, "-o", dir.Combine("r.html"));

        // Assert
        Assert.Equal(125, run.ExitCode);
        Assert.StartsWith($"userkernel: trace report: {jsonl}, line 2: not a --trace-json event", run.StandardError, StringComparison.Ordinal);
        Assert.Single(run.StandardError.TrimEnd('\n').Split('\n'));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.html*"));
        Assert.Empty(Directory.GetFiles(dir.Path, ".*"));
    }

    [Fact]
    public async Task Trace_verb_without_a_subverb_prints_its_usage()
    {
        // Act
        UserKernelRun help = await UserKernelRun.StartAsync("trace", "--help");
        UserKernelRun unknown = await UserKernelRun.StartAsync("trace", "summarize", "x.jsonl");

        // Assert
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("report FILE.jsonl", help.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(125, unknown.ExitCode);
        Assert.Equal("userkernel: trace: unknown verb 'summarize'; try 'userkernel trace --help'\n", unknown.StandardError);
    }
}
