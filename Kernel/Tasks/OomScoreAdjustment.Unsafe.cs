using System;
using System.Globalization;
using static Tmds.Linux.LibC;

namespace UserKernel.Kernel.Tasks;

/// <summary>
/// A guest process's /proc/PID/oom_score_adj. It is the guest's own number: the host's stays the kernel's, so no guest
/// can make its host process the last one the host's OOM killer picks. A guest writes the file natively, into a host
/// object the kernel made for that open (write is no call the kernel sees); the kernel keeps that object and takes
/// its value whenever the setting is next used: a read of the file, a fork. A value Linux refuses (not a number, or
/// outside -1000..1000, EINVAL) is ignored there instead of failing the write, and lowering the value is not checked
/// against CAP_SYS_RESOURCE: it changes nothing outside the guest's view. Linux parses each write on its own; here
/// the writes of one open run together, so a program that writes twice without reopening ("300" then "420") leaves
/// its earlier value. Programs write a value per open (echo, fopen and fprintf), which is what is kept.
/// </summary>
public sealed class OomScoreAdjustment : IDisposable
{
    public const int Min = -1000, Max = 1000;

    private int value;
    private int written = -1;
    private bool gone;

    public OomScoreAdjustment(int value) => this.value = value;

    /// <summary>The value, with what the latest writer wrote taken in.</summary>
    public int Value
    {
        get
        {
            TakeWritten();
            return value;
        }
    }

    /// <summary>
    /// A guest opened the file for writing; <paramref name="kernelFd"/> is the kernel's descriptor of the object it writes
    /// to, owned from now on. What an earlier writer wrote is taken first.
    /// </summary>
    public void WrittenThrough(int kernelFd)
    {
        TakeWritten();
        if (written >= 0) close(written);
        written = gone ? -1 : kernelFd;
        if (gone) close(kernelFd);
    }

    /// <summary>The last number in the latest writer's object, if there is a valid one; the object is kept for later writes.</summary>
    private unsafe void TakeWritten()
    {
        if (written < 0) return;
        const int Room = 64;
        byte* text = stackalloc byte[Room];
        long n = (long)pread(written, text, Room, 0);
        if (n <= 0) return;
        // The object is a page of zeros the writer wrote over from its start.
        int length = new ReadOnlySpan<byte>(text, (int)n).IndexOf((byte)0) is int end and >= 0 ? end : (int)n;
        string[] words = System.Text.Encoding.ASCII.GetString(text, length).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length > 0 && int.TryParse(words[^1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) && v is >= Min and <= Max)
            value = v;
    }

    /// <summary>The process has exited: the writer's object goes (the value stays for /proc of the zombie).</summary>
    public void Dispose()
    {
        TakeWritten();
        if (written >= 0) close(written);
        written = -1;
        gone = true;
    }
}
