using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using UserKernel.Tools.CommandLine;

namespace UserKernel.Tools.Commands.Trace;

/// <summary>`userkernel trace VERB ...`: tools for the traces `run` writes. Only `report` so far.</summary>
public static class TraceCommand
{
    private const string ReportDescription = """
        Reads the JSON lines that 'userkernel run --trace-json=FILE.jsonl' wrote and writes one
        self-contained HTML page (no network needed to view it): the process tree (from the fork
        and exec lines, with the names each process exec'd), the mediated syscalls of every
        thread over time (coloured by disposition: emulated, forwarded, unimplemented; fork,
        exec, signal and exit marked), the slowest calls, and counts and times by disposition
        and by syscall.
        A missing file, or a line that is no --trace-json event, is an error (exit status 125).
        """;

    /// <summary>`trace` and its verbs.</summary>
    public static Command Definition()
    {
        var input = new Argument<string>("FILE.jsonl") { Description = "a trace that run --trace-json wrote" };
        Option<string?> output = CliOptions.Single("--output", "REPORT.html", "where to write the page (default: FILE.jsonl's name with .html)", "-o");
        Option<int?> top = CliOptions.Single<int?>("--top", "N", "how many of the slowest calls to list (default 20)", value => ParseTop(value));
        var report = new Command("report", "one self-contained HTML page from a --trace-json file\n\n" + ReportDescription)
        {
            input, output, top,
        };
        report.SetAction(r => Report(r.GetRequiredValue(input), r.GetValue(output), r.GetValue(top) ?? 20));
        return new Command("trace", "tools for the traces `run` writes") { report };
    }

    private static int Report(string input, string? output, int top)
    {
        output ??= Path.ChangeExtension(input, ".html");
        if (Path.GetFullPath(output) == Path.GetFullPath(input)) throw new UsageException($"trace report: the report would overwrite the trace {input}");

        TraceLog log = TraceLog.Read(input);
        // Written beside it and renamed, so a failed report never leaves half a page.
        string temporary = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(output)) ?? ".", "." + Path.GetFileName(output) + ".tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write))
                ReportPage.Write(log, Path.GetFileName(input), top, stream);
            File.Move(temporary, output, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
            throw new UsageException($"trace report: cannot write {output}: {ex.Message}");
        }
        Console.Error.WriteLine($"userkernel: wrote {output}: {log.Calls.Count} syscalls of {log.Processes.Count} processes");
        return 0;
    }

    private static int ParseTop(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1
            ? n : throw new UsageException($"trace report: --top wants a number, at least 1, not '{value}'");
}
