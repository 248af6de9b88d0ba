using System;
using System.Collections.Generic;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;
using Task = UserKernel.Kernel.Tasks.Task;

namespace UserKernel.Kernel.Guest;

/// <summary>
/// The platform of a kernel no platform has joined yet (a unit test that brings none): each task looks as one that has
/// just gone does, with no descriptors, no readable memory and empty text, so /proc still lists and renders it.
/// </summary>
internal sealed class UnseenGuests : IGuestPlatform, IGuestTaskView, IGuestDescriptors, IGuestMemory
{
    public static readonly UnseenGuests Instance = new();

    private UnseenGuests() { }

    public IGuestTaskView ViewOf(Task task) => this;
    public IGuestTaskView ViewOf(ThreadGroup group) => this;

    public int HostTid => 0;
    public IGuestMemory Memory => this;
    public IGuestDescriptors Descriptors => this;
    public string ProcText(GuestProcFile file) => "";
    public (ulong Dev, ulong Ino)? Executable => null;
    public bool IsDying => true;
    public Abi.Rlimit? GetLimit(int resource) => null;
    public bool SetLimit(int resource, Abi.Rlimit limit) => false;

    public (ulong Dev, ulong Ino)? ObjectOf(int fd) => null;
    public bool IsOpen(int fd) => false;
    public long OffsetOf(int fd) => -1;
    public Inode? HostObject(SuperBlock superBlock, int fd) => null;
    public IReadOnlyList<int> Numbers() => [];
    public string? LinkTarget(int fd) => null;
    public string Info(int fd) => "";

    public int ReadUpTo(GuestPtr from, Span<byte> into) => 0;
    public Abi.Errno Write(GuestPtr to, ReadOnlySpan<byte> bytes) => Abi.Errno.EFAULT;
}
