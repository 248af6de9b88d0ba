using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using UserKernel.Kernel.Syscalls;
using UserKernel.Tools.CommandLine;

namespace UserKernel.Tools.Commands;

/// <summary>
/// `userkernel syscalls`: the syscall table as documentation, in text (aligned columns), json (one
/// document of rows and totals) or markdown (what docs/syscalls.md is generated from).
/// </summary>
public static class SyscallsCommand
{
    /// <summary>The formats <see cref="Render"/> knows, in the order the usage text names them.</summary>
    public static IReadOnlyList<string> Formats { get; } = ["text", "json", "markdown"];

    /// <summary>One row of the listing, as every format prints it.</summary>
    public sealed record Row(int Number, string Name, string Disposition, string Class, string Stops, string? Handler, string Note);

    /// <summary>How many rows have each disposition, and how many numbers up to the highest have no syscall.</summary>
    public sealed record Totals(int Emulated, int Forwarded, int Passthrough, int Unimplemented, int NoSyscall)
    {
        public int Syscalls => Emulated + Forwarded + Passthrough + Unimplemented;
    }

    private const string Description = """
        print the syscall table, the extensions' rows included

        Prints the syscall table: for each syscall its number, name, disposition (emulated, forwarded,
        passthrough or unimplemented), class (file, process, memory, signal, network, ipc, time,
        identity or other), handler and note; then how many syscalls have each disposition and how
        many numbers have no syscall (they answer ENOSYS).
        """;

    /// <summary>`userkernel syscalls [--format=FMT] [--extension DLL]...`.</summary>
    public static Command Definition()
    {
        Option<string?> format = CliOptions.Single<string?>("--format", string.Join('|', Formats), """
            text: aligned columns (the default); json: one document with "rows" and "totals";
            markdown: the table docs/syscalls.md is generated from
            """, CheckFormat);
        Option<List<string>> extensions = CliOptions.Repeatable("--extension", "DLL",
            "include the rows an extension adds or replaces (shown as emulated by it)");
        var command = new Command("syscalls", Description) { format, extensions };
        command.SetAction(result => Execute(result.GetValue(format) ?? "text", result.GetValue(extensions) ?? []));
        return command;
    }

    private static string CheckFormat(string format) =>
        Formats.Contains(format) ? format : throw new UsageException($"syscalls: unknown format '{format}' (text, json or markdown)");

    private static int Execute(string format, List<string> extensions)
    {
        try
        {
            var loaded = new List<Kernel.Extensions.LoadedExtension>();
            foreach (string path in extensions) loaded.AddRange(Kernel.Extensions.ExtensionLoader.Load(path));
            if (loaded.Count > 0) Kernel.Extensions.KernelRegistry.Build(loaded);
        }
        catch (Kernel.Extensions.ExtensionLoadException ex) { throw new UsageException("syscalls: " + ex.Message); }
        string output = Render(format);
        Console.Out.Write(output);
        Console.Out.Flush();
        return 0;
    }

    /// <summary>
    /// The whole listing in <paramref name="format"/> (text, json or markdown), ending in a newline.
    /// Throws <see cref="UsageException"/> for any other format.
    /// </summary>
    public static string Render(string format) => format switch
    {
        "text" => RenderText(),
        "json" => RenderJson(),
        "markdown" => RenderMarkdown(),
        _ => throw new UsageException($"syscalls: unknown format '{format}' (text, json or markdown)"),
    };

    /// <summary>The table's rows in number order, with their class.</summary>
    public static IReadOnlyList<Row> Rows() =>
        SyscallTable.Rows
            .Select(r => new Row(r.Number, r.Name, DispositionName(r.Disposition) + (r.Extension != null ? " by " + r.Extension : ""), SyscallClasses.Name(r.Class), StopsName(r), r.Handler?.Method.Name, r.Note))
            .ToList();

    /// <summary>
    /// How the call reaches the kernel: never (passthrough), a ptrace stop, or a seccomp notification; "some" when the
    /// filter stops it only for some argument values (the row's StopWhen); "notification, or ptrace" when some arguments
    /// send it by ptrace instead (the row's PtraceWhen).
    /// </summary>
    public static string StopsName(SyscallEntry r) =>
        r.Disposition == Disposition.Passthrough ? "never"
        : (r.Via == StopVia.Notification ? "notification" : "ptrace") + (r.PtraceWhen != null ? ", or ptrace" : "") + (r.StopWhen != null ? " (some)" : "");

    public static Totals Count()
    {
        IReadOnlyList<SyscallEntry> rows = SyscallTable.Rows;
        int Of(Disposition d) => rows.Count(r => r.Disposition == d);
        int noSyscall = SyscallTable.ByNumber.Count(r => r == null);
        return new Totals(Of(Disposition.Emulate), Of(Disposition.Forward), Of(Disposition.Passthrough), Of(Disposition.Unimplemented), noSyscall);
    }

    /// <summary>The name a disposition has in every listing, the word the tracer tags its lines with.</summary>
    public static string DispositionName(Disposition d) => d switch
    {
        Disposition.Emulate => "emulated",
        Disposition.Forward => "forwarded",
        Disposition.Passthrough => "passthrough",
        Disposition.Unimplemented => "unimplemented",
        _ => d.ToString().ToLowerInvariant(),
    };

    private static int HighestNumber => SyscallTable.ByNumber.Count - 1;

    private static string RenderText()
    {
        IReadOnlyList<Row> rows = Rows();
        string[] header = ["NR", "NAME", "DISPOSITION", "CLASS", "STOPS", "HANDLER", "NOTE"];
        string[][] cells = rows
            .Select(r => new[] { r.Number.ToString(Inv), r.Name, r.Disposition, r.Class, r.Stops, r.Handler ?? "-", r.Note })
            .Prepend(header)
            .ToArray();
        int[] width = new int[header.Length];
        foreach (string[] line in cells)
            for (int c = 0; c < line.Length; c++) width[c] = Math.Max(width[c], line[c].Length);

        var sb = new StringBuilder();
        foreach (string[] line in cells)
        {
            var text = new StringBuilder();
            text.Append(line[0].PadLeft(width[0]));
            for (int c = 1; c < line.Length; c++) text.Append("  ").Append(c == line.Length - 1 ? line[c] : line[c].PadRight(width[c]));
            sb.Append(text.ToString().TrimEnd()).Append('\n');
        }

        Totals t = Count();
        sb.Append('\n');
        (string Label, int Value)[] totals =
        [
            ("emulated", t.Emulated), ("forwarded", t.Forwarded), ("passthrough", t.Passthrough), ("unimplemented", t.Unimplemented),
            ("syscalls", t.Syscalls), ("no syscall", t.NoSyscall),
        ];
        foreach ((string label, int value) in totals)
        {
            sb.Append(label.PadRight(14)).Append(value.ToString(Inv).PadLeft(4));
            if (label == "no syscall") sb.Append(FormattableString.Invariant($"  (numbers 0-{HighestNumber} without a row; they answer ENOSYS)"));
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static string RenderJson()
    {
        using var stream = new MemoryStream();
        var options = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, NewLine = "\n" };
        using (var w = new Utf8JsonWriter(stream, options))
        {
            w.WriteStartObject();
            w.WriteStartArray("rows");
            foreach (Row r in Rows())
            {
                w.WriteStartObject();
                w.WriteNumber("number", r.Number);
                w.WriteString("name", r.Name);
                w.WriteString("disposition", r.Disposition);
                w.WriteString("class", r.Class);
                w.WriteString("stops", r.Stops);
                if (r.Handler != null) w.WriteString("handler", r.Handler);
                else w.WriteNull("handler");
                w.WriteString("note", r.Note);
                w.WriteEndObject();
            }
            w.WriteEndArray();

            Totals t = Count();
            w.WriteStartObject("totals");
            w.WriteNumber("emulated", t.Emulated);
            w.WriteNumber("forwarded", t.Forwarded);
            w.WriteNumber("passthrough", t.Passthrough);
            w.WriteNumber("unimplemented", t.Unimplemented);
            w.WriteNumber("syscalls", t.Syscalls);
            w.WriteNumber("noSyscall", t.NoSyscall);
            w.WriteNumber("highestNumber", HighestNumber);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static string RenderMarkdown()
    {
        Totals t = Count();
        var sb = new StringBuilder();
        sb.Append("""
            # The syscall table

            <!-- Generated from Kernel/Syscalls/SyscallTable.cs by `./userkernel syscalls --format=markdown > docs/syscalls.md`.
                 Do not edit: tests/Tools.Tests fails when this file and the table disagree. -->

            One row per x86-64 syscall number. The seccomp filter, the tracer and this listing are all made from
            the same table, so what it says here is what the kernel does. The disposition decides what happens
            when a guest thread makes the call:

            - **passthrough**: the seccomp filter allows it. It runs on the host at native speed and never stops.
              Its note says why it cannot name a host object (a test holds every such row to that).
            - **emulated**: the thread stops and the handler answers from the kernel's own state (the VFS, the
              process table, the guest's credentials). Where the answer is a host object (a new descriptor), the
              kernel opens it itself and installs it in the caller; where the call needs a host address (bind,
              connect, sends), the kernel performs it on its own duplicate of the guest's socket. The host never
              runs an emulated call with the guest's arguments; at most it runs a helper in the call's place whose
              result the kernel replaces (getdents64 moves its cursor with an lseek). A call on a descriptor that
              names a host object (a pipe, a socket, a terminal) is the host's to answer: the rows that take one
              (fstat, getdents64, the f*xattr calls...) forward it, and the trace then says `forwarded`.
            - **forwarded**: the thread stops, the handler checks the call and translates arguments that are registers
              (a guest pid into a host pid, a path into a descriptor of the kernel's own, as execve runs the kernel's
              stub) and the host runs the call; where the result names a pid, it is translated back on the way out. A
              call the checks refuse gets their errno, and the trace says `emulated`.
            - **unimplemented**: the thread stops and the call answers ENOSYS; the tracer marks it `unimplemented`.
              Numbers with no syscall at all stop and answer ENOSYS too.

            The stops column says how a call reaches the kernel: **ptrace** (a seccomp RET_TRACE stop; the kernel can
            change registers and see the exit), **notification** (a seccomp user notification: cheaper, and how the
            kernel hands a caller a descriptor it opened, SECCOMP_IOCTL_NOTIF_ADDFD), or **never**; "(some)" means only
            for some argument values, the rest running as passthrough. docs/threat-model.md says why each holds.

            The class says what a call is about, in strace's vocabulary (`strace -e trace=%file` and so on; each row
            names its own, see Kernel/Syscalls/SyscallClasses.cs): file, process, memory, signal, network, ipc, time, identity, or
            other (descriptor I/O and the rest). The handler is the method in Kernel/Syscalls/Sys.*.cs.


            """);
        sb.Append("| nr | name | disposition | class | stops | handler | note |\n");
        sb.Append("|---:|---|---|---|---|---|---|\n");
        foreach (Row r in Rows())
        {
            string handler = r.Handler == null ? "-" : "`" + r.Handler + "`";
            sb.Append(FormattableString.Invariant($"| {r.Number} | {r.Name} | {r.Disposition} | {r.Class} | {r.Stops} | {handler} | {Cell(r.Note)} |\n"));
        }
        sb.Append('\n');
        sb.Append("| disposition | syscalls |\n");
        sb.Append("|---|---:|\n");
        sb.Append(FormattableString.Invariant($"| emulated | {t.Emulated} |\n"));
        sb.Append(FormattableString.Invariant($"| forwarded | {t.Forwarded} |\n"));
        sb.Append(FormattableString.Invariant($"| passthrough | {t.Passthrough} |\n"));
        sb.Append(FormattableString.Invariant($"| unimplemented | {t.Unimplemented} |\n"));
        sb.Append(FormattableString.Invariant($"| **all syscalls** | {t.Syscalls} |\n"));
        sb.Append(FormattableString.Invariant($"| numbers 0-{HighestNumber} with no syscall (ENOSYS) | {t.NoSyscall} |\n"));
        return sb.ToString();
    }

    /// <summary>A note as a table cell: a literal '|' would end the cell.</summary>
    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    private static IFormatProvider Inv => System.Globalization.CultureInfo.InvariantCulture;
}
