using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Filesystems.Proc;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;
using Xunit;
using Task = UserKernel.Kernel.Tasks.Task;

namespace UserKernel.Kernel.Tests;

public class ProcRenderTests
{
    private const string HostStatus =
        "Name:\t3\nUmask:\t0022\nState:\tt (tracing stop)\nTgid:\t4242\nNgid:\t0\nPid:\t4242\nPPid:\t4200\nTracerPid:\t4100\n" +
        "Uid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\nFDSize:\t64\nGroups:\t27 1000 \nNStgid:\t4242\nNSpid:\t4242\n" +
        "NSpgid:\t4242\nNSsid:\t4100\nVmRSS:\t    1024 kB\nThreads:\t1\nSeccomp:\t2\n";

    private static readonly ProcIds Ids = new(Tgid: 3, Pid: 3, PPid: 1, Pgrp: 3, Session: 1, Tpgid: 3, Credentials: Credentials.Root, Threads: 2);

    [Fact]
    public void Status_names_guest_ids_name_and_credentials_and_no_tracer()
    {
        // Act
        string status = ProcRender.Status(HostStatus, "sh", Ids);

        // Assert
        string[] lines = status.Split('\n');
        Assert.Contains("Name:\tsh", lines);
        Assert.Contains("Tgid:\t3", lines);
        Assert.Contains("Pid:\t3", lines);
        Assert.Contains("PPid:\t1", lines);
        Assert.Contains("TracerPid:\t0", lines);
        Assert.Contains("Uid:\t0\t0\t0\t0", lines);
        Assert.Contains("Gid:\t0\t0\t0\t0", lines);
        Assert.Contains("Groups:\t ", lines);
        Assert.Contains("NSpgid:\t3", lines);
        Assert.Contains("NSsid:\t1", lines);
        Assert.Contains("Threads:\t2", lines);
        Assert.Contains("VmRSS:\t    1024 kB", lines);
        Assert.Contains("State:\tT (stopped)", lines);
    }

    [Fact]
    public void Status_of_the_caller_says_running_where_the_host_says_tracing_stop()
    {
        // Act
        string status = ProcRender.Status(HostStatus, "sh", Ids with { IsCaller = true });

        // Assert
        Assert.Contains("State:\tR (running)", status.Split('\n'));
    }

    [Fact]
    public void Status_of_a_guest_traced_task_names_its_guest_tracer_and_its_tracing_stop()
    {
        // Arrange: guest pid 7 traces this task and holds it in a stop
        var tracerGroup = new ThreadGroup(7, 4300, null, null!, Credentials.Root);
        var link = new PtraceLink(new Task(7, 4300, tracerGroup), seized: true, options: 0);
        link.Stop(PtraceLink.StopStatus(Signals.SIGSTOP), PtraceHold.SignalDelivery);

        // Act
        string status = ProcRender.Status(HostStatus, "sh", Ids with { Ptrace = link });

        // Assert
        Assert.Contains("TracerPid:\t7", status.Split('\n'));
        Assert.Contains("State:\tt (tracing stop)", status.Split('\n'));
    }

    [Fact]
    public void Stat_replaces_pid_comm_and_process_group_fields_after_the_last_parenthesis()
    {
        // Arrange: a comm with a space and a parenthesis, as a program may name itself.
        string host = "4242 (a) b) S 4200 4242 4100 34816 4242 4194560 124 0 0 0 0 0 0 0 20 0 1 0 408176 2392064 316\n";

        // Act
        string stat = ProcRender.Stat(host, "sh", Ids);

        // Assert
        Assert.Equal("3 (sh) S 1 3 1 34816 3 4194560 124 0 0 0 0 0 0 0 20 0 1 0 408176 2392064 316\n", stat);
    }

    [Fact]
    public void Stat_keeps_a_tpgid_of_minus_one_for_a_process_without_a_terminal()
    {
        // Act
        string stat = ProcRender.Stat("10 (x) t 9 10 10 0 -1 0\n", "x", Ids with { IsCaller = true });

        // Assert
        Assert.Equal("3 (x) R 1 3 1 0 -1 0\n", stat);
    }

    [Fact]
    public void Host_group_ids_are_fields_5_6_and_8()
    {
        Assert.Equal((4242, 4100, 4243), ProcRender.HostGroupIds("4242 (a b) S 4200 4242 4100 34816 4243 0"));
    }

    [Fact]
    public void Mounts_and_mountinfo_list_the_kernels_mounts()
    {
        // Arrange
        var root = new TreeFileSystem();
        var proc = new TreeFileSystem();
        var data = new TreeFileSystem { IsReadOnlyFilesystem = false };
        var mounts = new List<Mount>
        {
            new("/", root, root.Root, null, true), new("/proc", proc, proc.Root, root.Root, true), new("/data/with space", data, data.Root, root.Root, false),
        };

        // Act
        string text = ProcRender.Mounts(mounts);
        string info = ProcRender.MountInfo(mounts);

        // Assert
        Assert.Equal("/dev/root / test ro,relatime 0 0\ntest /proc test ro,relatime 0 0\ntest /data/with\\040space test rw,relatime 0 0\n", text);
        string[] infoLines = info.TrimEnd('\n').Split('\n');
        Assert.StartsWith("1 1 0:1 / / ro,relatime - test /dev/root ro", infoLines[0]);
        Assert.StartsWith("2 1 0:1 / /proc ", infoLines[1]);
        Assert.Equal(3, infoLines.Length);
    }

    [Fact]
    public void Maps_names_the_guest_file_of_a_kernel_memfd_and_keeps_every_other_line()
    {
        // Arrange
        var fs = new TreeFileSystem();
        fs.Dir("bin");
        TreeFileSystem.Node busybox = fs.File("bin/busybox");
        var dentry = new Dentry("busybox", new Dentry("bin", new MountTable(fs).Root, fs.Root), busybox);
        string host =
            "00400000-00401000 r--p 00000000 00:01 77                                 /memfd:busybox (deleted)\n" +
            "7ffd0000-7ffd2000 rw-p 00000000 00:00 0                                  [stack]\n";

        // Act
        string maps = ProcRender.Maps(host, (dev, ino) => dev == SuperBlock.MakeDev(0, 1) && ino == 77 ? dentry : null);

        // Assert
        string[] lines = maps.TrimEnd('\n').Split('\n');
        Assert.StartsWith($"00400000-00401000 r--p 00000000 00:01 {busybox.Ino} ", lines[0]);
        Assert.EndsWith(" /bin/busybox", lines[0]);
        Assert.Equal(host.Split('\n')[1], lines[1]);
    }
}

/// <summary>
/// The procfs tree over a kernel whose pid 1 has no host process: the kernel sees it only through the platform's view,
/// here a <see cref="FakeGuestThread"/>, and its host id is one no process has, so an answer read from the host's /proc
/// would be missing or wrong.
/// </summary>
public sealed class ProcFsTests : IDisposable
{
    private const int NoSuchHostTid = 4_000_202;
    private const string HostStatus =
        "Name:\tuserkernel-stub\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4000202\nPid:\t4000202\nPPid:\t4000100\nTracerPid:\t4000100\n" +
        "Uid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\nVmRSS:\t    1234 kB\nThreads:\t1\n";
    private const string HostStat = "4000202 (userkernel-stub) S 4000100 4000202 4000202 0 -1 4194560 124 0 0 0 0 0 0 0 20 0 1 0 408176 2392064 316\n";

    private readonly TreeFileSystem fs = new();
    private readonly GuestKernel kernel;
    private readonly FakeGuestThread init = new(NoSuchHostTid);
    private readonly Task initTask;

    public ProcFsTests()
    {
        fs.Dir("proc");
        fs.Dir("bin");
        fs.File("bin/busybox");
        kernel = new GuestKernel(fs, new KernelOptions { Hostname = "guesthost" });
        var platform = new FakeGuestPlatform();
        platform.Add(init);
        kernel.Platform = platform;
        Assert.True(kernel.StartInit(NoSuchHostTid).TryGet(out Task? task, out Errno e), e.ToString());
        initTask = task;
        init.SetProcText(GuestProcFile.Status, HostStatus);
        init.SetProcText(GuestProcFile.Stat, HostStat);
        init.SetProcText(GuestProcFile.Comm, "sh\n");
        init.SetProcText(GuestProcFile.Statm, "586 79 67 2 0 104 0\n");
    }

    public void Dispose()
    {
        init.Dispose();
        kernel.Dispose();
    }

    private Inode Resolve(string path, bool follow = true) => Lookup(path, follow).Inode;

    private Dentry Lookup(string path, bool follow = true)
    {
        Assert.True(kernel.Walk.Resolve(Credentials.Root, kernel.Mounts.Root, path, follow).TryGet(out Dentry? d, out Errno e), $"{path}: {e}");
        return d;
    }

    private static string ReadAll(Inode inode)
    {
        var bytes = new List<byte>();
        byte[] buffer = new byte[512];
        while (inode.Read(bytes.Count, buffer).TryGet(out int n, out _) && n > 0) bytes.AddRange(buffer.AsSpan(0, n).ToArray());
        return Encoding.Latin1.GetString(bytes.ToArray());
    }

    [Fact]
    public void Proc_is_mounted_where_the_image_has_a_proc_directory()
    {
        Assert.Contains(kernel.Mounts.Mounts, m => m.MountPoint == "/proc" && m.SuperBlock.TypeName == "proc");
    }

    [Fact]
    public void Listing_shows_the_fixed_names_and_the_guest_pids()
    {
        // Act
        Assert.True(Resolve("/proc").ReadDirectory().TryGet(out IReadOnlyList<DirectoryEntry>? entries, out _));

        // Assert
        string[] names = entries.Select(e => e.Name).ToArray();
        Assert.Contains("1", names);
        Assert.Contains("self", names);
        Assert.Contains("cpuinfo", names);
        Assert.Contains("mounts", names);
        Assert.True(entries.Zip(entries.Skip(1)).All(p => p.First.Position < p.Second.Position && p.First.NextPosition == p.Second.Position));
    }

    [Fact]
    public void Status_of_pid_1_is_rendered_with_guest_ids()
    {
        // Act
        Inode status = Resolve("/proc/1/status");
        string text = ReadAll(status);

        // Assert
        Assert.True(status.IsVolatile);
        Assert.Equal(0, status.Size);
        Assert.Equal(FileMode.S_IFREG | 0x124u, status.Mode);
        Assert.Contains("\nPid:\t1\n", text);
        Assert.Contains("\nPPid:\t0\n", text);
        Assert.Contains("\nTracerPid:\t0\n", text);
    }

    [Fact]
    public void Status_stat_and_statm_of_a_task_are_its_views_text_with_the_guests_ids_and_name()
    {
        // Act
        string status = ReadAll(Resolve("/proc/1/status"));
        string stat = ReadAll(Resolve("/proc/1/stat"));
        string statm = ReadAll(Resolve("/proc/1/statm"));
        string comm = ReadAll(Resolve("/proc/1/comm"));

        // Assert: the name is what the host's comm says (prctl(PR_SET_NAME)); what only the host knows is kept
        Assert.Equal(
            "Name:\tsh\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t1\nPid:\t1\nPPid:\t0\nTracerPid:\t0\n" +
            "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nVmRSS:\t    1234 kB\nThreads:\t1\n", status);
        Assert.Equal("1 (sh) S 0 1 1 0 -1 4194560 124 0 0 0 0 0 0 0 20 0 1 0 408176 2392064 316\n", stat);
        Assert.Equal("586 79 67 2 0 104 0\n", statm);
        Assert.Equal("sh\n", comm);
    }

    [Fact]
    public void Thread_directory_renders_the_threads_own_view()
    {
        // Act
        string status = ReadAll(Resolve("/proc/1/task/1/status"));

        // Assert
        Assert.StartsWith("Name:\tsh\n", status);
        Assert.Contains("\nPid:\t1\n", status);
    }

    [Fact]
    public void Fd_directory_lists_the_views_descriptors_and_links_a_VFS_file_to_its_guest_path()
    {
        // Arrange: a file of the image at 3, a pipe at 5
        Dentry busybox = Lookup("/bin/busybox");
        init.Open(3, busybox, kernel.HostFiles);
        init.OpenHostObject(5, new TreeFileSystem.Node(fs, 99, FileMode.S_IFIFO | 0x180, null), "pipe:[4242]");

        // Act
        Assert.True(Resolve("/proc/1/fd").ReadDirectory().TryGet(out IReadOnlyList<DirectoryEntry>? entries, out _));
        string file = Encoding.Latin1.GetString(Resolve("/proc/1/fd/3", follow: false).ReadLink().Value);
        string pipe = Encoding.Latin1.GetString(Resolve("/proc/1/fd/5", follow: false).ReadLink().Value);
        Errno closed = kernel.Walk.Resolve(Credentials.Root, kernel.Mounts.Root, "/proc/1/fd/4", false).Error;

        // Assert
        Assert.Equal(new[] { ".", "..", "3", "5" }, entries.Select(e => e.Name));
        Assert.Equal("/bin/busybox", file);
        Assert.Equal("pipe:[4242]", pipe);
        Assert.Equal(Errno.ENOENT, closed);
        Assert.Same(busybox.Inode, Resolve("/proc/1/fd/3"));
    }

    [Fact]
    public void Fdinfo_of_a_VFS_file_names_the_guests_mount_and_inode()
    {
        // Arrange
        Dentry busybox = Lookup("/bin/busybox");
        init.Open(3, busybox, kernel.HostFiles);
        init.Seek(3, 12);

        // Act
        string info = ReadAll(Resolve("/proc/1/fdinfo/3"));

        // Assert: the host's pos and flags, the guest's mnt_id and ino
        Assert.Equal($"pos:\t12\nflags:\t0100000\nmnt_id:\t{kernel.MountIdOf(fs)}\nino:\t{busybox.Inode.Ino}\n", info);
    }

    [Fact]
    public void Cmdline_and_environ_are_read_from_the_views_memory_where_exec_put_them()
    {
        // Arrange: the argument and environment strings as the loader lays them out
        byte[] argv = Encoding.ASCII.GetBytes("sh\0-c\0echo hi\0"), envp = Encoding.ASCII.GetBytes("HOME=/root\0");
        const ulong Args = FakeGuestMemory.Base + 0x200, Env = FakeGuestMemory.Base + 0x300;
        Assert.Equal(Errno.OK, init.Memory.Write(new GuestPtr(Args), argv));
        Assert.Equal(Errno.OK, init.Memory.Write(new GuestPtr(Env), envp));
        initTask.Group.ArgumentArea = (Args, Args + (ulong)argv.Length);
        initTask.Group.EnvironmentArea = (Env, Env + (ulong)envp.Length);

        // Act
        string cmdline = ReadAll(Resolve("/proc/1/cmdline"));
        string environ = ReadAll(Resolve("/proc/1/environ"));

        // Assert
        Assert.Equal("sh\0-c\0echo hi\0", cmdline);
        Assert.Equal("HOME=/root\0", environ);
    }

    [Fact]
    public void A_task_no_platform_shows_is_listed_as_one_that_has_gone()
    {
        // Arrange
        kernel.Platform = UnseenGuests.Instance;

        // Act
        Assert.True(Resolve("/proc/1/fd").ReadDirectory().TryGet(out IReadOnlyList<DirectoryEntry>? fds, out _));
        string cmdline = ReadAll(Resolve("/proc/1/cmdline"));

        // Assert
        Assert.Equal(new[] { ".", ".." }, fds.Select(e => e.Name));
        Assert.Equal("", cmdline);
        Assert.Equal(initTask.Group.Comm + "\n", ReadAll(Resolve("/proc/1/comm")));
    }

    [Fact]
    public void Each_lookup_renders_afresh()
    {
        Assert.NotSame(Resolve("/proc/1/status"), Resolve("/proc/1/status"));
    }

    [Fact]
    public void Links_name_guest_paths_and_directories_are_0555()
    {
        Assert.Equal("/", Encoding.Latin1.GetString(Resolve("/proc/1/cwd", follow: false).ReadLink().Value));
        Assert.Equal("/", Encoding.Latin1.GetString(Resolve("/proc/1/root", follow: false).ReadLink().Value));
        Assert.Equal("self/mounts", Encoding.Latin1.GetString(Resolve("/proc/mounts", follow: false).ReadLink().Value));
        Assert.Equal(FileMode.S_IFDIR | 0x16Du, Resolve("/proc/1/fd").Mode);
        Assert.Equal(FileMode.S_IFLNK | 0x1FFu, Resolve("/proc/1/cwd", follow: false).Mode);
    }

    [Fact]
    public void Self_without_a_calling_task_is_ENOENT()
    {
        Assert.Equal(Errno.ENOENT, kernel.Walk.Resolve(Credentials.Root, kernel.Mounts.Root, "/proc/self/status", true).Error);
    }

    [Fact]
    public void Sys_kernel_hostname_is_the_guests()
    {
        Assert.Equal("guesthost\n", ReadAll(Resolve("/proc/sys/kernel/hostname")));
        Assert.Equal("Linux\n", ReadAll(Resolve("/proc/sys/kernel/ostype")));
    }


    [Fact]
    public void A_pid_that_is_no_guests_is_ENOENT()
    {
        Assert.Equal(Errno.ENOENT, kernel.Walk.Resolve(Credentials.Root, kernel.Mounts.Root, "/proc/99999", true).Error);
    }
}
