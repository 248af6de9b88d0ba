using System;
using System.IO;
using Mono.Unix.Native;

namespace UserKernel.Tools.Commands.Runtime;

/// <summary>
/// ROOT/ID/start, a FIFO between `create` and `start`: the sandbox waits reading it, `start` writes one byte. A
/// `start` with no sandbox waiting (not created, or already started) finds no reader and says so.
/// </summary>
internal static class StartFifo
{
    public const string Name = "start";

    public static void Make(string path)
    {
        if (Syscall.mkfifo(path, FilePermissions.S_IRUSR | FilePermissions.S_IWUSR) != 0)
            throw new IOException($"cannot make {path}: {Stdlib.GetLastError()}");
    }

    /// <summary>Blocks until `start` writes; false if the FIFO is gone or closed without the byte.</summary>
    public static bool WaitForStart(string path)
    {
        try
        {
            using FileStream fifo = new(path, FileMode.Open, FileAccess.Read);
            return fifo.ReadByte() >= 0;
        }
        catch (IOException) { return false; }
    }

    /// <summary>Tells the waiting sandbox to start; false when none is waiting.</summary>
    public static bool Start(string path)
    {
        int fd = Syscall.open(path, OpenFlags.O_WRONLY | OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC);
        if (fd < 0) return false;
        using var fifo = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, 1);
        try
        {
            fifo.WriteByte((byte)'s');
            fifo.Flush();
            return true;
        }
        catch (IOException) { return false; }
    }
}
