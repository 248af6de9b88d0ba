using System;
using System.Collections.Generic;
using System.Threading;
using Tmds.Linux;
using UserKernel.Kernel.Abi;
using static Tmds.Linux.LibC;

namespace UserKernel.Kernel.Extensions;

/// <summary>
/// Serves the opens of the kernel's own character devices. Every guest descriptor is a real host descriptor, so a guest
/// that opens /dev/NAME gets one end of a Unix stream socket pair and the kernel keeps the other: the guest's read, write,
/// poll and close run on the host, and this server's thread turns what arrives at the kernel's end into
/// <see cref="DeviceFile.Write"/> calls and keeps the guest's side filled from <see cref="DeviceFile.Read"/>. Device code
/// runs under the kernel's lock, as a handler does. No device open: no thread. The guest's write(2) returns once the bytes
/// are in the socket; the server hands them on at once, and before any new open of the device or ioctl on the open, so
/// a program that writes and then opens or asks again finds its writes taken.
/// </summary>
public sealed unsafe class DeviceServer : IDisposable
{
    private const int Chunk = 65536;

    private sealed class OpenDevice(RegisteredDevice device, DeviceFile file, int kernelFd)
    {
        public RegisteredDevice Device { get; } = device;
        public DeviceFile File { get; } = file;
        public int KernelFd { get; } = kernelFd;
        public (ulong Dev, ulong Ino) GuestObject { get; set; }
        public byte[] Pending { get; } = new byte[Chunk];
        public int PendingStart, PendingEnd;
        public bool ReadingEnded, InputEnded, WantOut;
    }

    private readonly object kernelLock;
    private readonly Action<string, string, Exception> fault;
    private readonly Action<(ulong, ulong)> forget;
    private readonly Dictionary<int, OpenDevice> byKernelFd = new();
    private readonly Dictionary<(ulong, ulong), OpenDevice> byGuestObject = new();
    private byte[]? incoming; // made at the first receive: most runs open no device of an extension's
    private int epoll = -1, wakeFd = -1;
    private Thread? thread;
    private volatile bool stopping;

    /// <param name="kernelLock">The lock every device call is made under.</param>
    /// <param name="fault">Reports an exception an extension's device threw (its owner, what it was doing, the exception).</param>
    /// <param name="forget">Drops the identity of a guest's end once the open is over.</param>
    public DeviceServer(object kernelLock, Action<string, string, Exception> fault, Action<(ulong, ulong)> forget)
    {
        this.kernelLock = kernelLock;
        this.fault = fault;
        this.forget = forget;
    }

    /// <summary>
    /// Opens <paramref name="device"/> for a guest: the device's own open, then the socket pair. Returns the guest's end
    /// (the caller installs it in the guest, then closes its copy) and the device file. Called under the kernel's lock.
    /// Errors: the device's, EIO if it threw, EMFILE/ENFILE/ENOMEM from the host.
    /// </summary>
    public Result<int> Open(RegisteredDevice device, DeviceOpen how, Func<int, (ulong, ulong)> know)
    {
        // What guests wrote before this open (a writer that has exited, say) reaches the device first, as a write(2) would have.
        foreach (OpenDevice earlier in byKernelFd.Values)
            if (earlier.Device == device) Receive(earlier);
        DeviceFile file;
        try
        {
            if (!device.Device.Open(how).TryGet(out file!, out Errno e)) return e;
        }
        catch (Exception ex)
        {
            fault(device.Owner, $"open of /dev/{device.Device.Name}", ex);
            return Errno.EIO;
        }
        if (!Start().TryGet(out _, out Errno error)) return error;
        int* pair = stackalloc int[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return (Errno)errno;
        int kernelEnd = pair[0], guestEnd = pair[1];
        fcntl(kernelEnd, F_SETFL, O_NONBLOCK);
        if ((how.Flags & O_NONBLOCK) != 0) fcntl(guestEnd, F_SETFL, O_NONBLOCK);
        // Not shut down by access mode: the kernel knows the guest has closed its last descriptor by both directions of
        // the socket being shut (EPOLLHUP). What a read-only open writes is dropped; a write-only open is never fed.
        var open = new OpenDevice(device, file, kernelEnd) { GuestObject = know(guestEnd), ReadingEnded = !how.ForWriting };
        if (!how.ForReading) open.PendingEnd = -1;
        byKernelFd[kernelEnd] = open;
        byGuestObject[open.GuestObject] = open;
        file.OnWake(Wake);
        epoll_event ev = default;
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
        ev.data.fd = kernelEnd;
        open.WantOut = true;
        epoll_ctl(epoll, EPOLL_CTL_ADD, kernelEnd, &ev);
        return guestEnd;
    }

    /// <summary>The open a guest's descriptor names (by its host object's identity), or null if it is no device of the kernel's.</summary>
    public DeviceFile? FileOf((ulong Dev, ulong Ino) guestObject, out RegisteredDevice? device)
    {
        device = null;
        if (!byGuestObject.TryGetValue(guestObject, out OpenDevice? open)) return null;
        Receive(open); // the bytes written before the ioctl come before it
        device = open.Device;
        return open.File;
    }

    private Result<int> Start()
    {
        if (thread != null) return 0;
        epoll = epoll_create1(EPOLL_CLOEXEC);
        wakeFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (epoll < 0 || wakeFd < 0) return Errno.ENOMEM;
        epoll_event ev = default;
        ev.events = EPOLLIN;
        ev.data.fd = wakeFd;
        epoll_ctl(epoll, EPOLL_CTL_ADD, wakeFd, &ev);
        thread = new Thread(Serve) { Name = "userkernel-devices", IsBackground = true };
        thread.Start();
        return 0;
    }

    private void Wake()
    {
        ulong one = 1;
        write(wakeFd, &one, sizeof(ulong));
    }

    private void Serve()
    {
        epoll_event* events = stackalloc epoll_event[16];
        while (!stopping)
        {
            int n = epoll_wait(epoll, events, 16, -1);
            if (n < 0)
            {
                if (errno == EINTR) continue;
                return;
            }
            lock (kernelLock)
            {
                for (int i = 0; i < n; i++)
                {
                    int fd = events[i].data.fd;
                    if (fd == wakeFd)
                    {
                        ulong count;
                        read(wakeFd, &count, sizeof(ulong));
                        foreach (OpenDevice open in new List<OpenDevice>(byKernelFd.Values)) Fill(open);
                        continue;
                    }
                    if (!byKernelFd.TryGetValue(fd, out OpenDevice? o)) continue;
                    uint what = (uint)events[i].events;
                    if ((what & (uint)(EPOLLIN | EPOLLRDHUP | EPOLLHUP)) != 0) Receive(o);
                    if ((what & (uint)EPOLLHUP) != 0) Close(o); // every guest descriptor of it is closed
                    else if ((what & (uint)EPOLLOUT) != 0) Fill(o);
                }
            }
        }
    }

    /// <summary>Hands what the guest wrote to the device, until there is no more for now or the guest has stopped writing.</summary>
    private void Receive(OpenDevice open)
    {
        while (!open.InputEnded)
        {
            long n;
            incoming ??= new byte[Chunk];
            fixed (byte* p = incoming) n = recv(open.KernelFd, p, Chunk, MSG_DONTWAIT);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return;
            if (n == 0)
            {
                // The guest shut its writing side (or closed: EPOLLHUP follows): stop listening for input.
                open.InputEnded = true;
                Interest(open);
                return;
            }
            if (open.ReadingEnded) continue;
            ReadOnlySpan<byte> data = incoming.AsSpan(0, (int)n);
            while (!data.IsEmpty)
            {
                Result<int> taken;
                try { taken = open.File.Write(data); }
                catch (Exception ex)
                {
                    fault(open.Device.Owner, $"write to /dev/{open.Device.Device.Name}", ex);
                    taken = Errno.EIO;
                }
                if (!taken.TryGet(out int k, out _) || k <= 0)
                {
                    // The device refuses: the guest's next write fails with EPIPE.
                    shutdown(open.KernelFd, SHUT_RD);
                    open.ReadingEnded = true;
                    break;
                }
                data = data[Math.Min(k, data.Length)..];
            }
        }
    }

    /// <summary>Keeps the guest's side filled while the device has bytes and the socket has room.</summary>
    private void Fill(OpenDevice open)
    {
        while (true)
        {
            if (open.PendingStart < open.PendingEnd)
            {
                long sent;
                fixed (byte* p = open.Pending) sent = send(open.KernelFd, p + open.PendingStart, open.PendingEnd - open.PendingStart, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (sent < 0)
                {
                    if (errno == EAGAIN) WantOut(open, true);
                    else EndOutput(open);
                    return;
                }
                open.PendingStart += (int)sent;
                continue;
            }
            if (open.PendingEnd < 0) return; // the device's end of file was given
            bool readable;
            Result<int> got;
            try
            {
                readable = open.File.Readable;
                got = readable ? open.File.Read(open.Pending) : 0;
            }
            catch (Exception ex)
            {
                fault(open.Device.Owner, $"read of /dev/{open.Device.Device.Name}", ex);
                EndOutput(open);
                return;
            }
            if (!readable)
            {
                WantOut(open, false);
                return;
            }
            if (!got.TryGet(out int n, out _) || n <= 0)
            {
                EndOutput(open);
                return;
            }
            open.PendingStart = 0;
            open.PendingEnd = Math.Min(n, Chunk);
        }
    }

    /// <summary>The device has no more to give: the guest reads the end of the file.</summary>
    private void EndOutput(OpenDevice open)
    {
        shutdown(open.KernelFd, SHUT_WR);
        open.PendingStart = 0;
        open.PendingEnd = -1;
        WantOut(open, false);
    }

    private void WantOut(OpenDevice open, bool want)
    {
        if (open.WantOut == want) return;
        open.WantOut = want;
        Interest(open);
    }

    /// <summary>What the server waits for on an open: input until the guest stops writing, room while it has bytes to give.</summary>
    private void Interest(OpenDevice open)
    {
        epoll_event ev = default;
        ev.events = (open.InputEnded ? 0 : EPOLLIN | EPOLLRDHUP) | (open.WantOut ? EPOLLOUT : 0);
        ev.data.fd = open.KernelFd;
        epoll_ctl(epoll, EPOLL_CTL_MOD, open.KernelFd, &ev);
    }

    /// <summary>The guest closed its last descriptor of the open: the device's release.</summary>
    private void Close(OpenDevice open)
    {
        if (!byKernelFd.Remove(open.KernelFd)) return;
        epoll_ctl(epoll, EPOLL_CTL_DEL, open.KernelFd, null);
        close(open.KernelFd);
        byGuestObject.Remove(open.GuestObject);
        forget(open.GuestObject);
        try { open.File.Release(); }
        catch (Exception ex) { fault(open.Device.Owner, $"release of /dev/{open.Device.Device.Name}", ex); }
    }

    public void Dispose()
    {
        stopping = true;
        if (wakeFd >= 0) Wake();
        thread?.Join(1000);
        foreach (OpenDevice open in byKernelFd.Values) close(open.KernelFd);
        byKernelFd.Clear();
        if (epoll >= 0) close(epoll);
        if (wakeFd >= 0) close(wakeFd);
        epoll = wakeFd = -1;
    }
}
