using System;
using System.Globalization;
using System.IO;

namespace UserKernel.Tools.Commands.Trace;

/// <summary>`userkernel trace VERB ...`: tools for the traces `run` writes. Only `report` so far.</summary>
public static class TraceCommand
{
    public const string Usage = """
        usage: userkernel trace report FILE.jsonl [-o REPORT.html] [--top N]

        report     reads the JSON lines that 'userkernel run --trace-json=FILE.jsonl' wrote and writes one
                   self-contained HTML page (no network needed to view it): the process tree (from the fork
                   and exec lines, with the names each process exec'd), the mediated syscalls of every
                   thread over time (coloured by disposition: emulated, forwarded, unimplemented; fork,
                   exec, signal and exit marked), the slowest calls, and counts and times by disposition
                   and by syscall
          -o FILE           where to write the page (default: FILE.jsonl's name with .html)
          --top N           how many of the slowest calls to list (default 20)

        A missing file, or a line that is no --trace-json event, is an error (exit status 125).
        """;

    public static int Execute(string[] args)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h")
        {
            Console.Out.WriteLine(Usage);
            return args.Length == 0 ? ExitCodes.RunnerError : 0;
        }
        return args[0] switch
        {
            "report" => Report(args.AsSpan(1).ToArray()),
            _ => throw new UsageException($"trace: unknown verb '{args[0]}'; try 'userkernel trace --help'"),
        };
    }

    private static int Report(string[] args)
    {
        string? input = null, output = null;
        int top = 20;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Value()
            {
                if (i + 1 >= args.Length) throw new UsageException($"trace report: {a} needs a value");
                return args[++i];
            }
            switch (a)
            {
                case "--help" or "-h":
                    Console.Out.WriteLine(Usage);
                    return 0;
                case "-o" or "--output": output = Value(); break;
                case "--top": top = ParseTop(Value()); break;
                default:
                    if (a.StartsWith("--top=", StringComparison.Ordinal)) { top = ParseTop(a["--top=".Length..]); break; }
                    if (a.StartsWith("--output=", StringComparison.Ordinal)) { output = a["--output=".Length..]; break; }
                    if (a.StartsWith('-')) throw new UsageException($"trace report: unknown option '{a}'; try 'userkernel trace --help'");
                    if (input != null) throw new UsageException("trace report: one trace file at a time; try 'userkernel trace --help'");
                    input = a;
                    break;
            }
        }
        if (input == null) throw new UsageException("trace report: no trace file given (userkernel trace report FILE.jsonl -o REPORT.html)");
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
