using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Filesystems.Overlay;
using UserKernel.Kernel.Syscalls;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;
using Xunit;
using Task = UserKernel.Kernel.Tasks.Task;

namespace UserKernel.Kernel.Tests;

/// <summary>
/// Handlers that take a descriptor, served with no host process behind the caller: the kernel asks its descriptor table
/// through <see cref="Guest.IGuestThread.Descriptors"/> alone, here a <see cref="FakeGuestThread"/>. The caller's host tid
/// is one no process has, so an answer read from the host's /proc would be wrong.
/// </summary>
public sealed class DescriptorTests : IDisposable
{
    private const int NoSuchHostTid = 4_000_101;
    private const ulong Buffer = FakeGuestMemory.Base + 4096;
    private readonly ContentStore store = new();
    private readonly TreeFileSystem lower = new();
    private readonly GuestKernel kernel;
    private readonly Task init;
    private readonly FakeGuestThread thread = new(NoSuchHostTid);
    private int strings;

    public DescriptorTests()
    {
        lower.Dir("/etc");
        lower.File("/etc/passwd");
        lower.Symlink("/etc/motd", "issue");
        lower.Dir("/data");
        lower.File("/data/a");
        lower.File("/data/b");
        lower.File("/data/c");
        lower.Dir("/dev");
        kernel = new GuestKernel(new OverlaySuperBlock(lower, 7, store), new KernelOptions { Store = store });
        init = kernel.StartInit(NoSuchHostTid).Value;
    }

    public void Dispose()
    {
        thread.Dispose();
        kernel.Dispose();
        store.Dispose();
    }

    [Fact]
    public void Fstat_of_a_descriptor_the_kernel_opened_reports_the_VFS_inode()
    {
        // Arrange
        Dentry passwd = At("/etc/passwd");
        thread.Open(5, passwd, kernel.HostFiles);

        // Act
        SyscallResult known = Call(Sysno.fstat, 5, Buffer);
        SyscallResult unknown = Call(Sysno.fstat, 9, Buffer);

        // Assert: st_ino at 8, st_mode at 24, st_uid at 28; a descriptor that is no VFS file is the host's to answer
        Assert.Equal(ResultKind.Value, known.Kind);
        Assert.Equal(0, known.Value);
        Assert.Equal(passwd.Inode.Ino, BinaryPrimitives.ReadUInt64LittleEndian(Guest(8, 8)));
        Assert.Equal(FileMode.S_IFREG | 0x1A4, BinaryPrimitives.ReadUInt32LittleEndian(Guest(24, 4)));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(Guest(28, 4)));
        Assert.True(unknown.IsRunOnHost);
    }

    [Fact]
    public void Getdents64_continues_from_the_descriptors_offset_and_reports_its_byte_count_after_the_hosts_lseek()
    {
        // Arrange: 48 bytes hold two one-character records of 24
        thread.Open(3, At("/data"), kernel.HostFiles);
        var names = new List<string>();
        var counts = new List<long>();

        // Act: each call fills the buffer from the cursor, and the host's lseek moves it
        for (int call = 0; call < 3; call++)
        {
            SyscallResult r = Call(Sysno.getdents64, 3, Buffer, 48);
            Assert.True(r.IsRunOnHost);
            Assert.Equal((int)Sysno.lseek, init.Context.CurrentNumber);
            Assert.Equal(0UL, init.Context.Current[2]); // SEEK_SET
            long next = (long)init.Context.Current[1];
            long bytes = kernel.Exit(init, thread, next).Result;
            counts.Add(bytes);
            names.AddRange(Dirents(bytes));
            thread.Seek(3, next);
        }
        SyscallResult end = Call(Sysno.getdents64, 3, Buffer, 48);

        // Assert: every name once, then 0 with no host call
        Assert.Equal([48L, 48L, 24L], counts);
        Assert.Equal([".", "..", "a", "b", "c"], names.Order(StringComparer.Ordinal));
        Assert.Equal(ResultKind.Value, end.Kind);
        Assert.Equal(0, end.Value);
    }

    [Fact]
    public void Getdents64_gives_the_helpers_errno_when_the_hosts_lseek_fails()
    {
        // Arrange
        thread.Open(3, At("/data"), kernel.HostFiles);
        Call(Sysno.getdents64, 3, Buffer, 4096);

        // Act
        long result = kernel.Exit(init, thread, -(long)Errno.EBADF).Result;

        // Assert
        Assert.Equal(-(long)Errno.EBADF, result);
    }

    [Fact]
    public void Fchmod_and_fchown_of_a_descriptor_change_the_file_it_names()
    {
        // Arrange
        thread.Open(4, At("/etc/passwd"), kernel.HostFiles);

        // Act
        SyscallResult chmod = Call(Sysno.fchmod, 4, 0x180);
        SyscallResult chown = Call(Sysno.fchown, 4, 1000, 100);

        // Assert
        Assert.Equal(0, chmod.Value);
        Assert.Equal(0, chown.Value);
        Inode after = At("/etc/passwd").Inode;
        Assert.Equal(FileMode.S_IFREG | 0x180, after.Mode);
        Assert.Equal(1000u, after.Uid);
        Assert.Equal(100u, after.Gid);
    }

    [Fact]
    public void Fchmod_of_a_descriptor_that_is_no_VFS_file_is_the_hosts()
    {
        // Arrange: a pipe, say
        thread.OpenHostObject(6, new TreeFileSystem.Node(lower, 99, FileMode.S_IFIFO | 0x180, null));

        // Act
        SyscallResult r = Call(Sysno.fchmod, 6, 0x1FF);

        // Assert
        Assert.True(r.IsRunOnHost);
    }

    [Fact]
    public void Readlinkat_resolves_relative_to_its_directory_descriptor()
    {
        // Arrange
        thread.Open(3, At("/etc"), kernel.HostFiles);
        thread.Open(4, At("/etc/passwd"), kernel.HostFiles);

        // Act
        SyscallResult link = Call(Sysno.readlinkat, 3, Str("motd"), Buffer, 64);
        SyscallResult closed = Call(Sysno.readlinkat, 8, Str("motd"), Buffer, 64);
        SyscallResult notDirectory = Call(Sysno.readlinkat, 4, Str("motd"), Buffer, 64);

        // Assert
        Assert.Equal(5, link.Value);
        Assert.Equal("issue", Encoding.ASCII.GetString(Guest(0, 5)));
        Assert.Equal(-(long)Errno.EBADF, closed.Value);
        Assert.Equal(-(long)Errno.ENOTDIR, notDirectory.Value);
    }

    [Fact]
    public void Openat_relative_to_a_directory_descriptor_opens_that_directorys_file()
    {
        // Arrange
        thread.Open(3, At("/etc"), kernel.HostFiles);

        // Act
        SyscallResult r = Call(Sysno.openat, 3, Str("passwd"), 0 /* O_RDONLY */, 0);

        // Assert: the kernel's new descriptor is the host object it knows as /etc/passwd
        Assert.Equal(ResultKind.NewDescriptor, r.Kind);
        (ulong dev, ulong ino, _) = HostFiles.FileIdentity($"/proc/self/fd/{r.Value}");
        HostFiles.CloseKernelDescriptor((int)r.Value);
        Assert.Same(At("/etc/passwd").Inode, kernel.HostFiles.IdentifyHostObject(dev, ino)?.Inode);
    }

    [Fact]
    public void Only_an_unwatched_read_only_open_may_be_answered_as_its_descriptor_is_installed()
    {
        // Arrange
        const ulong O_RDWR = 2, O_DIRECTORY = 0x10000;
        ulong cwd = unchecked((ulong)AtFlags.AT_FDCWD);

        // Act
        SyscallResult read = Call(Sysno.openat, cwd, Str("/etc/passwd"), 0, 0);
        SyscallResult directory = Call(Sysno.openat, cwd, Str("/etc"), O_DIRECTORY, 0);
        SyscallResult write = Call(Sysno.openat, cwd, Str("/data/a"), O_RDWR, 0);
        Assert.True(kernel.Fsnotify.WatchDirectory(At("/data").Inode).Ok);
        SyscallResult watched = Call(Sysno.openat, cwd, Str("/etc/passwd"), 0, 0);

        // Assert: a close of the kernel's after the guest's would be seen as a late IN_CLOSE_WRITE or by a watch
        foreach (SyscallResult r in new[] { read, directory, write, watched })
        {
            Assert.Equal(ResultKind.NewDescriptor, r.Kind);
            HostFiles.CloseKernelDescriptor((int)r.Value);
        }
        Assert.True(read.KernelMayCloseLast);
        Assert.True(directory.KernelMayCloseLast);
        Assert.False(write.KernelMayCloseLast);
        Assert.False(watched.KernelMayCloseLast);
    }

    [Fact]
    public void Faccessat2_of_a_host_object_checks_the_hosts_mode_for_the_caller()
    {
        // Arrange: a root-owned pipe of mode 0600, asked about by a user
        const int AT_EMPTY_PATH = 0x1000, W_OK = 2;
        thread.OpenHostObject(6, new TreeFileSystem.Node(lower, 99, FileMode.S_IFIFO | 0x180, null));
        init.Group.Credentials = Credentials.ForUser(1000, 1000, []);

        // Act
        SyscallResult user = Call(Sysno.faccessat2, 6, Str(""), W_OK, AT_EMPTY_PATH);
        init.Group.Credentials = Credentials.Root;
        SyscallResult root = Call(Sysno.faccessat2, 6, Str(""), W_OK, AT_EMPTY_PATH);

        // Assert
        Assert.Equal(-(long)Errno.EACCES, user.Value);
        Assert.Equal(0, root.Value);
    }

    [Fact]
    public void Dev_tty_without_a_controlling_terminal_is_ENXIO()
    {
        // Arrange
        thread.TerminalNumber = 0;

        // Act
        SyscallResult r = Call(Sysno.openat, unchecked((ulong)AtFlags.AT_FDCWD), Str("/dev/tty"), 2 /* O_RDWR */, 0);

        // Assert
        Assert.Equal(-(long)Errno.ENXIO, r.Value);
    }

    [Fact]
    public void Truncate_of_the_program_a_process_runs_is_ETXTBSY_until_its_view_shows_it_runs_none()
    {
        // Arrange: init runs /data/a, as the platform's view of its thread says, until it exits (a zombie has no program)
        var platform = new FakeGuestPlatform();
        platform.Add(thread);
        kernel.Platform = platform;
        init.Group.Executable = At("/data/a");
        thread.Executable = (1, 2);

        // Act
        SyscallResult running = Call(Sysno.truncate, Str("/data/a"), 0);
        thread.Executable = null;
        SyscallResult exited = Call(Sysno.truncate, Str("/data/a"), 0);

        // Assert
        Assert.Equal(-(long)Errno.ETXTBSY, running.Value);
        Assert.Equal(0, exited.Value);
    }

    private Dentry At(string path) => kernel.Walk.Resolve(Credentials.Root, kernel.Mounts.Root, path, true).Value;

    private SyscallResult Call(Sysno number, params ulong[] args)
    {
        var all = new ulong[6];
        args.CopyTo(all, 0);
        return kernel.Enter(init, thread, (int)number, all);
    }

    /// <summary>A NUL-terminated string in guest memory, past the buffer.</summary>
    private ulong Str(string s)
    {
        int at = 32 * 1024 + strings;
        Encoding.ASCII.GetBytes(s + "\0").CopyTo(thread.Fake.Bytes, at);
        strings += s.Length + 1;
        return FakeGuestMemory.Base + (ulong)at;
    }

    private ReadOnlySpan<byte> Guest(int offset, int length) => thread.Fake.Bytes.AsSpan((int)(Buffer - FakeGuestMemory.Base) + offset, length);

    /// <summary>The names of the linux_dirent64 records in the buffer: d_reclen at 16, the name at 19.</summary>
    private List<string> Dirents(long bytes)
    {
        var names = new List<string>();
        ReadOnlySpan<byte> records = Guest(0, (int)bytes);
        while (records.Length > 0)
        {
            int length = BinaryPrimitives.ReadUInt16LittleEndian(records[16..]);
            ReadOnlySpan<byte> name = records[19..length];
            names.Add(Encoding.ASCII.GetString(name[..name.IndexOf((byte)0)]));
            records = records[length..];
        }
        return names;
    }
}
