using System;
using System.Linq;
using UserKernel.Kernel.Syscalls;

namespace UserKernel.Tools.Commands;

/// <summary>`userkernel syscalls`: the syscall table, as text or markdown.</summary>
public static class SyscallsCommand
{
    public static int Execute(string[] args)
    {
        string format = "text";
        foreach (string a in args)
        {
            if (a.StartsWith("--format=", StringComparison.Ordinal)) format = a["--format=".Length..];
            else throw new UsageException($"syscalls: unknown option '{a}'");
        }
        if (format is not ("text" or "markdown")) throw new UsageException($"syscalls: unknown format '{format}' (text or markdown)");

        var rows = SyscallTable.Rows;
        if (format == "markdown")
        {
            Console.Out.WriteLine("| nr | name | disposition | handler | note |");
            Console.Out.WriteLine("|---:|---|---|---|---|");
            foreach (SyscallEntry r in rows) Console.Out.WriteLine($"| {r.Number} | {r.Name} | {r.Disposition} | {r.HandlerName} | {r.Note} |");
        }
        else
        {
            foreach (SyscallEntry r in rows) Console.Out.WriteLine($"{r.Number,4} {r.Name,-24} {r.Disposition,-13} {r.HandlerName,-16} {r.Note}");
        }
        Console.Out.WriteLine();
        foreach (var group in rows.GroupBy(r => r.Disposition).OrderBy(g => g.Key))
            Console.Out.WriteLine($"{group.Key}: {group.Count()}");
        return 0;
    }
}
