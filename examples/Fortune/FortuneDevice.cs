using System;
using System.Collections.Generic;
using System.Text;
using UserKernel.Kernel;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Extensions;
using UserKernel.Kernel.Guest;

namespace UserKernel.Examples.Fortune;

/// <summary>
/// /dev/fortune: each open reads one fortune, then the end of the file. Writing a line adds a fortune. Two ioctls:
/// FORTUNE_COUNT (_IOR('f', 1, int)) stores how many there are at the pointer given; FORTUNE_SELECT (_IO('f', 2)) makes
/// the fortune numbered by the argument the next one given (EINVAL if there is no such fortune).
/// </summary>
public sealed class FortuneDevice : CharacterDevice
{
    public const uint FORTUNE_COUNT = 0x80046601, FORTUNE_SELECT = 0x6602;

    internal CookieJar Cookies { get; } = new();

    public override string Name => "fortune";
    public override IReadOnlyList<uint> IoctlRequests => [FORTUNE_COUNT, FORTUNE_SELECT];

    // The fortune is chosen at the open, not at the first Read: the kernel calls Read ahead of the guest's read(2), at a
    // moment of its own, so an ioctl made after the open must not change what this open reads.
    public override Result<DeviceFile> Open(DeviceOpen open) => new FortuneFile(Cookies, open.ForReading ? Cookies.Next() : "");

    /// <summary>One open: the fortune it was given, read once; the lines written to it.</summary>
    private sealed class FortuneFile(CookieJar cookies, string fortune) : DeviceFile
    {
        private readonly byte[] text = Encoding.UTF8.GetBytes(fortune);
        private int offset;
        private readonly List<byte> written = new();

        public override Result<int> Read(Span<byte> buffer)
        {
            int n = Math.Min(buffer.Length, text.Length - offset);
            text.AsSpan(offset, n).CopyTo(buffer);
            offset += n;
            return n;
        }

        public override Result<int> Write(ReadOnlySpan<byte> data)
        {
            foreach (byte b in data)
            {
                if (b != (byte)'\n')
                {
                    written.Add(b);
                    continue;
                }
                if (written.Count > 0) cookies.Add(Encoding.UTF8.GetString(written.ToArray()) + "\n");
                written.Clear();
            }
            return data.Length;
        }

        public override Result<long> Ioctl(uint request, ulong argument, IGuestMemory memory)
        {
            switch (request)
            {
                case FORTUNE_COUNT:
                    Span<byte> count = stackalloc byte[4];
                    BitConverter.TryWriteBytes(count, cookies.Count);
                    Errno e = memory.Write(new GuestPtr(argument), count);
                    return e != Errno.OK ? e : 0;
                case FORTUNE_SELECT:
                    return cookies.Select(argument) ? 0 : Errno.EINVAL;
                default:
                    return Errno.ENOTTY;
            }
        }
    }
}

/// <summary>The fortunes, handed out in turn.</summary>
internal sealed class CookieJar
{
    private readonly List<string> cookies =
    [
        "The kernel is the guests' tracer; the guests are not the kernel's.\n",
        "Every guest descriptor is a real host descriptor.\n",
        "A syscall not implemented says ENOSYS, and says so in the trace.\n",
    ];
    private int next;

    public int Count => cookies.Count;

    public string Next()
    {
        string cookie = cookies[next];
        next = (next + 1) % cookies.Count;
        return cookie;
    }

    public void Add(string cookie) => cookies.Add(cookie);

    public bool Select(ulong index)
    {
        if (index >= (ulong)cookies.Count) return false;
        next = (int)index;
        return true;
    }
}
