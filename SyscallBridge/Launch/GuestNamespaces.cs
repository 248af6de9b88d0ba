using System;
using System.IO;
using System.Text;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Loader;
using UserKernel.SyscallBridge.Tracing;

namespace UserKernel.SyscallBridge.Launch;

/// <summary>
/// Defence in depth: the first guest process (the stub, before the filter and before any guest code) moves into fresh
/// user, mount, IPC and UTS namespaces (and a network namespace under --net none) and makes an empty directory its
/// root, so that a host path that somehow slipped past the kernel would find nothing, and a host object that somehow
/// became nameable could not be touched with host privilege: the guests hold capabilities in their own user namespace
/// only, and when userkernel runs as root they run as nobody on the host. Every guest is a fork of this process, so all
/// inherit it. Needs no privilege: unprivileged user namespaces suffice; where the host forbids them, one warning line
/// says so and the guests run with the kernel's mediation alone.
/// </summary>
internal static class GuestNamespaces
{
    private const int NR_unshare = (int)Sysno.unshare, NR_setgroups = (int)Sysno.setgroups, NR_setresgid = (int)Sysno.setresgid,
        NR_setresuid = (int)Sysno.setresuid, NR_chroot = (int)Sysno.chroot, NR_chdir = (int)Sysno.chdir, NR_socket = (int)Sysno.socket,
        NR_prctl = (int)Sysno.prctl;
    private const ulong PR_SET_NO_NEW_PRIVS = 38;
    private const ulong CLONE_NEWNS = 0x20000, CLONE_NEWUTS = 0x04000000, CLONE_NEWIPC = 0x08000000, CLONE_NEWUSER = 0x10000000, CLONE_NEWNET = 0x40000000;

    /// <summary>The host uid and gid guests run as when userkernel is root: nobody's.</summary>
    private const int Nobody = 65534;

    /// <summary>
    /// Moves the stopped, single-threaded stub into its namespaces with <paramref name="emptyRoot"/> as its root, and sets
    /// no_new_privs (which the filter needs; also when there are no namespaces: the caller checks it then). Returns
    /// whether it has them; false (after one warning on stderr) where the host does not allow user namespaces. Throws
    /// when the stub is left half-moved, which it cannot run from. With a network namespace of the guests' own,
    /// <paramref name="diagSocket"/> is a sock_diag netlink socket made in it, for the kernel (else -1).
    /// </summary>
    public static bool Enter(Tracee stub, string emptyRoot, bool newNetwork, out int diagSocket)
    {
        diagSocket = -1;
        long r = stub.InjectSyscall(NR_unshare, CLONE_NEWUSER);
        if (r < 0)
        {
            Console.Error.WriteLine($"userkernel: warning: no user namespace for the guests ({ErrnoNames.Name((Errno)(-r))}); " +
                "they run without namespaces, behind the kernel's mediation alone");
            return false;
        }
        uint euid = Tmds.Linux.LibC.geteuid(), egid = Tmds.Linux.LibC.getegid();
        bool root = euid == 0;
        // As root, nobody; where nobody has no id here (userkernel itself in a user namespace), the kernel's own ids.
        if (!(root && MapAsRoot(stub, Nobody, Nobody)) && !MapAsRoot(stub, euid, egid))
            throw new GuestStartException("cannot map the guests' user namespace");

        // The rest in one batch (a round trip, not one per call): no one else can write the stub's memory yet. The batch
        // leaves the stub's registers at its runner's trap; the next injected call sets them anew from the kernel's copy.
        var batch = new SyscallBatch();
        var what = new System.Collections.Generic.List<string>();
        void Add(string name, int nr, BatchFlags flags = BatchFlags.None, ulong a0 = 0, ulong a1 = 0, ulong a2 = 0)
        {
            batch.Add(nr, flags, a0, a1, a2);
            what.Add(name);
        }
        Add("unshare", NR_unshare, a0: CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | (newNetwork ? CLONE_NEWNET : 0));
        int socket = -1;
        if (newNetwork)
        {
            socket = batch.Calls.Count;
            Add("socket", NR_socket, BatchFlags.SaveFd, 16 /* AF_NETLINK */, 2 | 0x80000 /* SOCK_DGRAM | SOCK_CLOEXEC */, 4 /* NETLINK_SOCK_DIAG */);
        }
        // Still the kernel's own uid outside, so the kernel's private directory can be walked to the empty root.
        Add("chroot", NR_chroot, a0: batch.AddData(Encoding.UTF8.GetBytes(emptyRoot + "\0")));
        Add("chdir", NR_chdir, a0: batch.AddData("/\0"u8));
        if (root) Add("setgroups", NR_setgroups);
        Add("setresgid", NR_setresgid);
        Add("setresuid", NR_setresuid);
        Add("prctl(PR_SET_NO_NEW_PRIVS)", NR_prctl, a0: PR_SET_NO_NEW_PRIVS, a1: 1);
        var state = new BatchState();
        Errno e = stub.RunBatch(batch, ref state);
        if (e != Errno.OK) Check(-(long)e, "a batch of calls");
        // A failed socket leaves the guests without sock_diag answers, as before; anything else cannot run.
        bool socketMade = socket >= 0 && state.Next > socket;
        if (socket >= 0 && state.Next == socket)
        {
            state.Next++;
            if ((e = stub.RunBatch(batch, ref state)) != Errno.OK) Check(-(long)e, "a batch of calls");
        }
        if (state.Next < batch.Calls.Count) Check(state.Result, what[state.Next]);
        if (socketMade) diagSocket = TakeDiagSocket(stub, (int)state.Fd);
        return true;
    }

    /// <summary>The NETLINK_SOCK_DIAG socket <paramref name="fd"/> the stub made in its network namespace, taken into the kernel (pidfd_getfd); -1 if none.</summary>
    private static int TakeDiagSocket(Tracee stub, int fd)
    {
        int pidfd = Interop.Libc.PidfdOpen(stub.HostTid);
        int taken = pidfd < 0 ? -1 : Interop.Libc.PidfdGetfd(pidfd, (int)fd);
        if (pidfd >= 0) Tmds.Linux.LibC.close(pidfd);
        // The stub's own descriptor was made close-on-exec, and no code of the guest's runs before the exec of its first
        // program, which closes it: no call is injected to close it now.
        return taken < 0 ? -1 : taken;
    }

    /// <summary>
    /// Maps root of the stub's new user namespace to <paramref name="outerUid"/>:<paramref name="outerGid"/> outside. Without
    /// privilege a gid map needs setgroups denied first; as root the stub drops its groups itself afterwards.
    /// </summary>
    public static bool MapAsRoot(Tracee stub, uint outerUid, uint outerGid)
    {
        try
        {
            string proc = $"/proc/{stub.HostTid}/";
            if (Tmds.Linux.LibC.geteuid() != 0) File.WriteAllText(proc + "setgroups", "deny");
            File.WriteAllText(proc + "uid_map", $"0 {outerUid} 1\n");
            File.WriteAllText(proc + "gid_map", $"0 {outerGid} 1\n");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Writes strings, each with its NUL, into a stub's scratch page (only before any guest code runs in it, when no one
    /// else can write there) and returns their addresses.
    /// </summary>
    public static ulong[] WriteStrings(Tracee stub, params string[] strings)
    {
        var at = new ulong[strings.Length];
        ulong next = StubProgram.ScratchAddress;
        for (int i = 0; i < strings.Length; i++)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(strings[i] + "\0");
            stub.Memory.Write(new GuestPtr(next), bytes);
            at[i] = next;
            next += (ulong)(bytes.Length + 7) & ~7UL;
        }
        return at;
    }

    private static void Check(long result, string what)
    {
        if (result < 0) throw new GuestStartException($"cannot move the guests into their namespaces: {what}: {ErrnoNames.Message((Errno)(-result))}");
    }
}
