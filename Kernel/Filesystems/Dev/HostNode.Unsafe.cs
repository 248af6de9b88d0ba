using System.Text;
using static Tmds.Linux.LibC;

namespace UserKernel.Kernel.Filesystems.Dev;

/// <summary>The identity (st_dev, st_ino) of a host device node the guest's /dev shows.</summary>
internal static unsafe class HostNode
{
    /// <summary>The host's (device, inode) of <paramref name="hostPath"/>; null if it cannot be stat'ed.</summary>
    public static (ulong Device, ulong Ino)? Identity(string hostPath)
    {
        byte[] path = Encoding.UTF8.GetBytes(hostPath + "\0");
        Tmds.Linux.stat st;
        fixed (byte* p = path)
            if (stat(p, &st) != 0) return null;
        return ((ulong)st.st_dev, (ulong)st.st_ino);
    }
}
