using System.IO;

namespace UserKernel.Kernel.Trace;

/// <summary>Where --trace lines go: one line per mediated syscall, plus process events.</summary>
public sealed class TraceLog
{
    private readonly TextWriter writer;

    public TraceLog(TextWriter writer)
    {
        this.writer = writer;
        writer.WriteLine("# userkernel trace: one line per mediated syscall; passthrough syscalls run on the host without stopping and are not shown");
    }

    public void Syscall(int pid, string name, string arguments, long result, string disposition) =>
        writer.WriteLine($"[pid {pid}] {name}({arguments}) = {TraceFormatter.Result(result)} [{disposition}]");

    public void Event(int pid, string text) => writer.WriteLine($"[pid {pid}] {text}");

    public void Flush() => writer.Flush();
}
