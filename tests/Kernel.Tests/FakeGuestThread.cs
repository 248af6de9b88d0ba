using System;
using System.Collections.Generic;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Tests;

/// <summary>
/// A guest thread with no host process behind it: its memory is a <see cref="FakeGuestMemory"/>, its descriptor table
/// a dictionary and its proc(5) text what the test sets. A descriptor of a VFS file is a host object the kernel opened for
/// it (<see cref="HostFiles.OpenForGuest"/>), as an openat would have installed, so the kernel knows it by the same
/// identity it knows a guest's by. Through <see cref="FakeGuestPlatform"/> it is any task's view, for /proc/PID.
/// </summary>
internal sealed class FakeGuestThread(int hostTid) : IGuestThread, IGuestDescriptors, IDisposable
{
    private readonly Dictionary<int, Descriptor> table = new();
    private readonly Dictionary<int, Rlimit> limits = new();
    private readonly Dictionary<GuestProcFile, string> procText = new();

    private sealed class Descriptor
    {
        public (ulong Dev, ulong Ino) Identity;
        public int KernelFd = -1;
        public Inode? HostObject;
        public string? LinkTarget;
        public long Offset;
    }

    public FakeGuestMemory Fake { get; } = new();
    public int HostTid => hostTid;
    public IGuestMemory Memory => Fake;
    public ulong StackPointer => FakeGuestMemory.Base + 60 * 1024;
    public IGuestDescriptors Descriptors => this;
    public int TerminalNumber { get; set; }
    public int ForegroundGroup { get; set; } = -1;
    public (ulong Dev, ulong Ino)? Executable { get; set; }
    public bool IsDying { get; set; }

    /// <summary>Descriptor <paramref name="fd"/> names <paramref name="dentry"/>, opened by the kernel's <paramref name="files"/>.</summary>
    public void Open(int fd, Dentry dentry, HostFiles files)
    {
        int kernelFd = files.OpenForGuest(dentry, 0 /* O_RDONLY */).Value;
        (ulong dev, ulong ino, _) = HostFiles.FileIdentity($"/proc/self/fd/{kernelFd}");
        Close(fd);
        table[fd] = new Descriptor { Identity = (dev, ino), KernelFd = kernelFd };
    }

    /// <summary>
    /// Descriptor <paramref name="fd"/> names an object the VFS does not own (a pipe, a socket), described by
    /// <paramref name="inode"/>, which the host names <paramref name="linkTarget"/> (pipe:[N]).
    /// </summary>
    public void OpenHostObject(int fd, Inode inode, string? linkTarget = null)
    {
        Close(fd);
        table[fd] = new Descriptor { Identity = (ulong.MaxValue, (ulong)fd), HostObject = inode, LinkTarget = linkTarget ?? $"anon_inode:[fake{fd}]" };
    }

    /// <summary>What the host would show as the thread's <paramref name="file"/>.</summary>
    public void SetProcText(GuestProcFile file, string text) => procText[file] = text;

    public string ProcText(GuestProcFile file) => procText.TryGetValue(file, out string? text) ? text : "";

    /// <summary>What an lseek by the host would do to descriptor <paramref name="fd"/>.</summary>
    public void Seek(int fd, long offset) => table[fd].Offset = offset;

    public void SetLimit(int resource, ulong soft) => limits[resource] = new Rlimit { rlim_cur = soft, rlim_max = Rlimit.RLIM_INFINITY };

    public (ulong Dev, ulong Ino)? ObjectOf(int fd) => table.TryGetValue(fd, out Descriptor? d) ? d.Identity : null;
    public bool IsOpen(int fd) => table.ContainsKey(fd);
    public long OffsetOf(int fd) => table.TryGetValue(fd, out Descriptor? d) ? d.Offset : -1;
    public Inode? HostObject(SuperBlock superBlock, int fd) => table.TryGetValue(fd, out Descriptor? d) ? d.HostObject : null;

    public IReadOnlyList<int> Numbers()
    {
        var fds = new List<int>(table.Keys);
        fds.Sort();
        return fds;
    }

    /// <summary>A VFS file's host object is a memfd or a file of the store, which the kernel names itself; this is what the host would say of it.</summary>
    public string? LinkTarget(int fd) => table.TryGetValue(fd, out Descriptor? d) ? d.LinkTarget ?? $"/memfd:fake{fd} (deleted)" : null;

    /// <summary>The host's fdinfo lines, its mnt_id and ino those of the host object.</summary>
    public string Info(int fd) => table.TryGetValue(fd, out Descriptor? d)
        ? $"pos:\t{d.Offset}\nflags:\t0100000\nmnt_id:\t999\nino:\t{d.Identity.Ino}\n"
        : "";

    public Rlimit? GetLimit(int resource) => limits.TryGetValue(resource, out Rlimit l) ? l : new Rlimit { rlim_cur = Rlimit.RLIM_INFINITY, rlim_max = Rlimit.RLIM_INFINITY };

    public bool SetLimit(int resource, Rlimit limit)
    {
        limits[resource] = limit;
        return true;
    }

    public bool FindStack(out ulong start, out ulong end)
    {
        start = FakeGuestMemory.Base;
        end = FakeGuestMemory.Base + (ulong)Fake.Bytes.Length;
        return true;
    }

    public long InjectSyscall(int number, ulong a0 = 0, ulong a1 = 0, ulong a2 = 0, ulong a3 = 0, ulong a4 = 0, ulong a5 = 0) => -(long)Errno.ENOSYS;
    public void SetStartRegisters(ulong instructionPointer, ulong stackPointer) { }

    public Result<int> DuplicateDescriptor(int guestFd)
    {
        if (!table.TryGetValue(guestFd, out Descriptor? d) || d.KernelFd < 0) return Errno.EBADF;
        int dup = Tmds.Linux.LibC.dup(d.KernelFd);
        return dup >= 0 ? dup : Errno.EMFILE;
    }

    public long InstallDescriptor(int kernelFd, bool closeOnExec) => -(long)Errno.ENOSYS;

    public void Dispose()
    {
        foreach (int fd in new List<int>(table.Keys)) Close(fd);
    }

    private void Close(int fd)
    {
        if (table.Remove(fd, out Descriptor? d) && d.KernelFd >= 0) HostFiles.CloseKernelDescriptor(d.KernelFd);
    }
}
