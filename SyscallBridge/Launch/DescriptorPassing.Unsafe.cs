using System;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace UserKernel.SyscallBridge.Launch;

/// <summary>Descriptors sent and received with data over an AF_UNIX stream socket (SCM_RIGHTS), as engines and runtimes pass terminals and stdio.</summary>
public static unsafe class DescriptorPassing
{
    private const int SOL_SOCKET = 1, SCM_RIGHTS = 1, MSG_CMSG_CLOEXEC = 0x40000000;
    private const int MaxDescriptors = 8;
    private const int HeaderSize = 16; // struct cmsghdr: cmsg_len (size_t), cmsg_level, cmsg_type

    /// <summary>Sends <paramref name="data"/> (at least one byte) with <paramref name="descriptors"/>; false with errno set on failure.</summary>
    public static bool Send(int socket, ReadOnlySpan<byte> data, ReadOnlySpan<int> descriptors)
    {
        if (data.IsEmpty || descriptors.Length > MaxDescriptors) throw new ArgumentException("one byte or more, and at most 8 descriptors");
        int controlSize = HeaderSize + ((descriptors.Length * sizeof(int) + 7) & ~7);
        byte* control = stackalloc byte[HeaderSize + MaxDescriptors * sizeof(int)];
        new Span<byte>(control, controlSize).Clear();
        *(ulong*)control = (ulong)(HeaderSize + descriptors.Length * sizeof(int)); // CMSG_LEN
        *(int*)(control + 8) = SOL_SOCKET;
        *(int*)(control + 12) = SCM_RIGHTS;
        for (int i = 0; i < descriptors.Length; i++) ((int*)(control + HeaderSize))[i] = descriptors[i];
        fixed (byte* d = data)
        {
            iovec iov = new() { iov_base = d, iov_len = (size_t)data.Length };
            msghdr message = new()
            {
                msg_iov = &iov,
                msg_iovlen = 1,
                msg_control = descriptors.IsEmpty ? null : control,
                msg_controllen = descriptors.IsEmpty ? 0 : (socklen_t)controlSize
            };
            return (long)sendmsg(socket, &message, MSG_NOSIGNAL) == data.Length;
        }
    }

    /// <summary>
    /// Receives data into <paramref name="data"/> and the descriptors that came with it (close-on-exec) into
    /// <paramref name="descriptors"/>: the byte count (0 at end of stream), or -1 with errno set.
    /// </summary>
    public static int Receive(int socket, Span<byte> data, Span<int> descriptors, out int descriptorCount)
    {
        descriptorCount = 0;
        byte* control = stackalloc byte[HeaderSize + MaxDescriptors * sizeof(int)];
        int controlSize = HeaderSize + MaxDescriptors * sizeof(int);
        new Span<byte>(control, controlSize).Clear();
        fixed (byte* d = data)
        {
            iovec iov = new() { iov_base = d, iov_len = (size_t)data.Length };
            msghdr message = new() { msg_iov = &iov, msg_iovlen = 1, msg_control = control, msg_controllen = (socklen_t)controlSize };
            long n = (long)recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
            if (n < 0) return -1;
            if ((uint)message.msg_controllen >= HeaderSize && *(int*)(control + 8) == SOL_SOCKET && *(int*)(control + 12) == SCM_RIGHTS)
            {
                int count = (int)((*(ulong*)control - HeaderSize) / sizeof(int));
                for (int i = 0; i < count; i++)
                {
                    int fd = ((int*)(control + HeaderSize))[i];
                    if (descriptorCount < descriptors.Length) descriptors[descriptorCount++] = fd;
                    else close(fd); // more than asked for: not kept
                }
            }
            return (int)n;
        }
    }
}
