using System;
using System.Diagnostics;

namespace UserKernel.Tools.Commands.Image;

/// <summary>
/// One line of progress on stderr, rewritten in place a few times a second, for long work
/// (import, commit). Silent when stderr is not a terminal, so logs and pipes stay clean.
/// </summary>
public sealed class TerminalProgress : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private readonly bool enabled = !Console.IsErrorRedirected;
    private readonly Stopwatch sinceLast = Stopwatch.StartNew();
    private bool shown;

    /// <summary>Shows <paramref name="line"/> if the last one is old enough (or <paramref name="force"/>).</summary>
    public void Report(string line, bool force = false)
    {
        if (!enabled || (!force && shown && sinceLast.Elapsed < Interval))
            return;
        Console.Error.Write("\r" + line + "\u001b[K");
        shown = true;
        sinceLast.Restart();
    }

    /// <summary>Clears the line, so what is printed next starts clean.</summary>
    public void Dispose()
    {
        if (shown)
            Console.Error.Write("\r\u001b[K");
        shown = false;
    }
}
