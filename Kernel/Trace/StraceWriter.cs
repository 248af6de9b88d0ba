using System.Globalization;
using System.IO;

namespace UserKernel.Kernel.Trace;

/// <summary>
/// `--trace`: strace's line format with guest pids, the time the call took and what the kernel did:
/// <c>[pid 12] openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3 &lt;0.000021&gt; [emulated]</c>.
/// </summary>
public sealed class StraceWriter : ITraceSink
{
    private readonly TextWriter writer;

    public StraceWriter(TextWriter writer)
    {
        this.writer = writer;
        writer.WriteLine("# userkernel trace: mediated syscalls only; passthrough syscalls run on the host without stopping and never appear here");
    }

    public void Syscall(TraceEvent e) =>
        writer.WriteLine($"[pid {e.Tid}] {StraceFormatter.Call(e.Name, e.Arguments)} = {StraceFormatter.Result(e.Result)} " +
            $"<{(e.DurationNs / 1e9).ToString("0.000000", CultureInfo.InvariantCulture)}> [{e.Tag}]");

    public void ProcessEvent(double unixTime, int pid, string kind, string text) => writer.WriteLine($"[pid {pid}] {text}");

    public void TaskEvent(TaskEvent e) { }

    public void Finish() => writer.Flush();
}
