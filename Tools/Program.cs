using System;
using UserKernel.Kernel.Trace;
using UserKernel.RootFs.Image;
using UserKernel.SyscallBridge.Launch;
using UserKernel.Tools.Commands;

namespace UserKernel.Tools;

/// <summary>The userkernel command: `run` a guest command, list the `syscalls` table, make `image`s, report on a `trace`.</summary>
public static class Program
{
    public const string Usage = """
        usage: userkernel run [--image IMG] [--env K=V]... [--workdir DIR] [--hostname NAME] [--user UID[:GID]]
                              [--trace[=FILE]] [--trace-json=FILE] [--trace-perfetto=FILE] [--trace-filter=LIST] [--summary]
                              [--break-on=NAME[,NAME]] [--wait-for-debugger] [--read-only]
                              [--bind HOST:GUEST[:ro]]... [--net host|none] [--layer FILE]... [--persist FILE]
                              [--pids-limit N] [--disk-size SIZE] [--extension DLL]... [--mount TYPE:DIR[:OPTS]]...
                              [-- COMMAND [ARG...]]
               userkernel syscalls [--format=text|json|markdown] [--extension DLL]...
               userkernel image VERB [ARG...]     (see 'userkernel image --help')
               userkernel runtime COMMAND [ARG...] (an OCI runtime for podman, Docker, containerd; see 'userkernel runtime --help')
               userkernel trace report FILE.jsonl [-o REPORT.html] [--top N]   (see 'userkernel trace --help')
               userkernel --help

        run        runs COMMAND in a guest system whose root is the ext2/3/4 image IMG. The image is never
                   written: the guest's changes go to an overlay, gone when the run ends (unless --persist
                   saves them), and /tmp and /dev/shm are tmpfs; their file bytes share one store of
                   --disk-size. The guest is arbitrary code, contained (docs/threat-model.md).
                   Without --image, a default image made from the host's busybox (as 'image from-host' makes
                   images) is built once and cached in ~/.cache/userkernel.
                   Without COMMAND, the image's stored config (from 'image import') gives it: Entrypoint then
                   Cmd, run with its Env (over the defaults; --env wins), WorkingDir (unless --workdir) and
                   User (unless --user); an image without a config then is an error.
          --image IMG       the root filesystem image
          --env K=V         set a variable in the guest's environment (repeatable); the guest starts
                            with PATH, HOME=/root and TERM only, never the host's environment
          --workdir DIR     the guest working directory (default /)
          --hostname NAME   the guest's host name (default userkernel)
          --user UID[:GID]  run as this user (a number or a name in the image's /etc/passwd) instead of root;
                            GID defaults to the user's primary group in /etc/passwd, else UID, and the
                            supplementary groups are the user's in /etc/group. Files are checked against
                            these ids; set-user-ID and set-group-ID bits are ignored (as on a nosuid mount)
          --trace[=FILE]    print one line per mediated syscall, in strace's notation, to stderr (or FILE);
                            passthrough syscalls never stop, so they never appear
          --trace-json=FILE one JSON object per line per event: for a syscall time, pid, tid, number, name,
                            args, result, errno, disposition, duration_ns, kernel_ns (the part spent in the
                            kernel's handler), ts_ns (its start, in ns from the trace's start); also signal and
                            exit lines, and fork and exec lines (the process tree; see 'userkernel trace report')
          --trace-perfetto=FILE  Chrome trace-event JSON for ui.perfetto.dev or chrome://tracing: a track per
                            guest thread under its process, each syscall a slice, fork, exec, signals and exits
                            as instant events; the file is complete however the run ends
          --trace-filter=LIST  only these: syscall names, classes (file, process, memory, signal, network,
                            ipc, time, identity, other), dispositions (emulated, forwarded, unimplemented), pid=N
          --summary         at exit, count, errors and time per syscall and per disposition (like strace -c)
          --break-on=NAMES  call Debugger.Break() just before these syscalls' handlers run
          --wait-for-debugger  wait until a debugger is attached before starting the guest
          --read-only       the root is the image itself, read-only: calls that would change it fail
                            with EROFS (or EEXIST, ENOENT, as Linux orders them on a read-only mount)
          --bind HOST:GUEST[:ro]  mount the host directory HOST on the guest directory GUEST, which must exist
                            (repeatable). Its files are the host's; host symlinks are the guest's symlinks,
                            resolved in the guest's tree, so nothing outside HOST is reached through it.
                            :ro refuses changes with EROFS; otherwise creating, writing, removing and renaming
                            within it reach the host (with --read-only, only writing to existing files does)
          --layer FILE      stack the layer tar FILE (an OCI layer, plain or compressed, as --persist writes)
                            read-only on the image, under the guest's fresh in-memory changes (repeatable:
                            later layers on top). Its ".wh.NAME" whiteouts hide NAME of the layers below, and a
                            ".wh..wh..opq" marker hides everything below its directory
          --persist FILE    at exit, write the guest's changes to the root (not to --bind mounts, /tmp, /dev/shm,
                            /proc, /dev or /sys) to FILE as an OCI layer tar: new and changed files with their
                            modes, owners, times (to 100 ns) and extended attributes, hard and symbolic links,
                            FIFOs, deletions as ".wh." whiteouts and directories made anew as opaque. FILE is
                            written beside it under a temporary name and renamed, so it is never left half
                            written. Also done when the guest dies of a signal and when userkernel gets
                            SIGINT, SIGTERM or SIGHUP (the guests are then killed and the exit status is
                            128+N). Not with --read-only
          --net host|none   host (the default): the guest's sockets are the host's. none: only AF_UNIX
                            sockets; socket() of any other family (inet, inet6, packet, netlink) fails with
                            EAFNOSUPPORT (Linux's empty network namespace would offer a loopback instead),
                            and abstract AF_UNIX names are private to the run
          --pids-limit N    at most N guest tasks (processes and threads) at once (default 4096); past it,
                            fork, vfork and clone fail with EAGAIN, as under a pids cgroup
          --disk-size SIZE  room for the file bytes of the overlay and every tmpfs together (like 512M or 2G;
                            default 8G, and in memory at most half of it); past it, writes, fallocate and
                            ftruncate fail with ENOSPC. As root the bytes are on disk, in an ext4 filesystem
                            on a loop device made for the run; otherwise in a tmpfs of that size
          --extension DLL   load a kernel extension: a .NET assembly with filesystems, character devices or
                            syscalls of its own, written against the Kernel's API (docs/extensions.md); its
                            devices appear as /dev/NAME, its syscalls in the table (repeatable). Needs the JIT
                            build, which ./userkernel picks when it sees this option
          --mount TYPE:DIR[:OPTS]  mount a new filesystem of TYPE (tmpfs, proc, sysfs, devtmpfs, or one an
                            extension registers) on the guest directory DIR, which must exist (repeatable).
                            OPTS are comma-separated, as mount -o takes them; source=PATH names a host file
                            for filesystems that read one (a guest's mount(2) names a file of its own tree)
        syscalls   prints the syscall table: for each syscall its number, name, disposition (emulated, forwarded,
                   passthrough or unimplemented), class (file, process, memory, signal, network, ipc, time,
                   identity or other), handler and note; then how many syscalls have each disposition and how
                   many numbers have no syscall (they answer ENOSYS)
          --format=FMT      text: aligned columns (the default); json: one document with "rows" and "totals";
                            markdown: the table docs/syscalls.md is generated from
          --extension DLL   include the rows an extension adds or replaces (shown as emulated by it)

        trace      'trace report' turns a --trace-json file into one self-contained HTML page: the process
                   tree, each thread's syscalls over time, the slowest calls, counts by disposition and syscall

        Exit status: the guest's own (128+N if it died of signal N), or 125 when userkernel itself fails.
        """;

    public static int Main(string[] args)
    {
        StartupProfile.Mark("Main");
        try
        {
            if (LauncherBuild.RebuildIfStale(args) is int rebuilt) return rebuilt;
            StartupProfile.Mark("launcher's build checked");
            if (args.Length == 0) throw new UsageException("no command given; try 'userkernel --help'");
            switch (args[0])
            {
                case "--help" or "-h" or "help":
                    Console.Out.WriteLine(Usage);
                    return 0;
                case "run":
                    int status = RunCommand.Execute(args.AsSpan(1).ToArray());
                    StartupProfile.Mark("the run's files disposed");
                    StartupProfile.Report();
                    return status;
                case "syscalls":
                    return SyscallsCommand.Execute(args.AsSpan(1).ToArray());
                case "runtime":
                    return Commands.Runtime.RuntimeCommand.Execute(args.AsSpan(1).ToArray());
                case "image":
                    return Commands.Image.ImageCommand.Execute(args.AsSpan(1).ToArray());
                case "trace":
                    return Commands.Trace.TraceCommand.Execute(args.AsSpan(1).ToArray());
                default:
                    throw new UsageException($"unknown command '{args[0]}'; try 'userkernel --help'");
            }
        }
        catch (UsageException ex) { return Fail(ex.Message); }
        catch (ImageFormatException ex) { return Fail(ex.Message); }
        // The host refused a file userkernel itself reads or writes (permissions, a full disk, /proc): one line.
        catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException) { return Fail(ex.Message); }
        catch (GuestStartException ex) { return Fail(ex.Message); }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine("userkernel: " + message);
        return ExitCodes.RunnerError;
    }
}
