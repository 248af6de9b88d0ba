using System;
using System.Buffers.Binary;
using System.Text;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Tasks;

namespace UserKernel.Kernel.Syscalls;

/// <summary>Who the guest is: its credentials and its host name.</summary>
public static partial class Sys
{
    private static Credentials Cred(SyscallContext ctx) => ctx.Task.Group.Credentials;
    private static uint IdArg(SyscallContext ctx, int i) => (uint)ctx.Arg(i);

    /// <summary>getuid(2)</summary>
    public static SyscallResult Getuid(SyscallContext ctx) => Cred(ctx).Ruid;
    /// <summary>geteuid(2)</summary>
    public static SyscallResult Geteuid(SyscallContext ctx) => Cred(ctx).Euid;
    /// <summary>getgid(2)</summary>
    public static SyscallResult Getgid(SyscallContext ctx) => Cred(ctx).Rgid;
    /// <summary>getegid(2)</summary>
    public static SyscallResult Getegid(SyscallContext ctx) => Cred(ctx).Egid;

    /// <summary>getresuid(2)</summary>
    public static SyscallResult Getresuid(SyscallContext ctx) => WriteThreeIds(ctx, Cred(ctx).Ruid, Cred(ctx).Euid, Cred(ctx).Suid);

    /// <summary>getresgid(2)</summary>
    public static SyscallResult Getresgid(SyscallContext ctx) => WriteThreeIds(ctx, Cred(ctx).Rgid, Cred(ctx).Egid, Cred(ctx).Sgid);

    private static SyscallResult WriteThreeIds(SyscallContext ctx, uint r, uint e, uint s)
    {
        uint[] ids = [r, e, s];
        for (int i = 0; i < 3; i++)
            if (ctx.Memory.WriteInt32(ctx.PtrArg(i), (int)ids[i]) != Errno.OK) return Errno.EFAULT;
        return 0;
    }

    /// <summary>setuid(2)</summary>
    public static SyscallResult Setuid(SyscallContext ctx) => Commit(ctx, Cred(ctx).SetUid(IdArg(ctx, 0)));
    /// <summary>setgid(2)</summary>
    public static SyscallResult Setgid(SyscallContext ctx) => Commit(ctx, Cred(ctx).SetGid(IdArg(ctx, 0)));
    /// <summary>setreuid(2)</summary>
    public static SyscallResult Setreuid(SyscallContext ctx) => Commit(ctx, Cred(ctx).SetReUid(IdArg(ctx, 0), IdArg(ctx, 1)));
    /// <summary>setregid(2)</summary>
    public static SyscallResult Setregid(SyscallContext ctx) => Commit(ctx, Cred(ctx).SetReGid(IdArg(ctx, 0), IdArg(ctx, 1)));
    /// <summary>setresuid(2)</summary>
    public static SyscallResult Setresuid(SyscallContext ctx) => Commit(ctx, Cred(ctx).SetResUid(IdArg(ctx, 0), IdArg(ctx, 1), IdArg(ctx, 2)));
    /// <summary>setresgid(2)</summary>
    public static SyscallResult Setresgid(SyscallContext ctx) => Commit(ctx, Cred(ctx).SetResGid(IdArg(ctx, 0), IdArg(ctx, 1), IdArg(ctx, 2)));

    /// <summary>setfsuid(2): returns the previous filesystem uid, whether or not it changed.</summary>
    public static SyscallResult Setfsuid(SyscallContext ctx)
    {
        (uint previous, Credentials next) = Cred(ctx).SetFsUid(IdArg(ctx, 0));
        ctx.Task.Group.Credentials = next;
        return previous;
    }

    /// <summary>setfsgid(2): returns the previous filesystem gid, whether or not it changed.</summary>
    public static SyscallResult Setfsgid(SyscallContext ctx)
    {
        (uint previous, Credentials next) = Cred(ctx).SetFsGid(IdArg(ctx, 0));
        ctx.Task.Group.Credentials = next;
        return previous;
    }

    private static SyscallResult Commit(SyscallContext ctx, Result<Credentials> next)
    {
        if (!next.TryGet(out Credentials? c, out Errno e)) return e;
        ctx.Task.Group.Credentials = c;
        return 0;
    }

    /// <summary>getgroups(2): size 0 asks for the count; a smaller nonzero size is EINVAL.</summary>
    public static SyscallResult Getgroups(SyscallContext ctx)
    {
        int size = ctx.IntArg(0);
        var groups = Cred(ctx).Groups;
        if (size < 0) return Errno.EINVAL;
        if (size == 0) return groups.Length;
        if (size < groups.Length) return Errno.EINVAL;
        byte[] b = new byte[4 * groups.Length];
        for (int i = 0; i < groups.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4 * i), groups[i]);
        if (b.Length > 0 && ctx.Memory.Write(ctx.PtrArg(1), b) != Errno.OK) return Errno.EFAULT;
        return groups.Length;
    }

    /// <summary>setgroups(2): needs privilege; EINVAL over NGROUPS_MAX.</summary>
    public static SyscallResult Setgroups(SyscallContext ctx)
    {
        ulong size = ctx.Arg(0);
        if (size > Credentials.NGROUPS_MAX) return Errno.EINVAL;
        if (!Cred(ctx).Capable(Capabilities.CAP_SETGID)) return Errno.EPERM;
        byte[] b = new byte[4 * (int)size];
        if (b.Length > 0 && ctx.Memory.Read(ctx.PtrArg(1), b) != Errno.OK) return Errno.EFAULT;
        uint[] groups = new uint[size];
        for (int i = 0; i < groups.Length; i++) groups[i] = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(4 * i));
        return Commit(ctx, Cred(ctx).SetGroups(groups));
    }

    /// <summary>
    /// capget(2): the effective, permitted and inheritable sets of the caller or of another guest process.
    /// Versions 1 (32 bits) and 2/3 (64 bits); an unknown version is EINVAL, with the preferred version written back.
    /// </summary>
    public static SyscallResult Capget(SyscallContext ctx)
    {
        if (!CapabilityHeader(ctx).TryGet(out (int Words, int Pid) header, out Errno e)) return e;
        if (header.Words == 0) return ctx.Arg(1) == 0 ? 0 : Errno.EINVAL;
        Credentials who = Cred(ctx);
        if (header.Pid != 0 && header.Pid != ctx.Task.Group.Tgid)
        {
            Task? target = ctx.Kernel.Pids.ByGuest(header.Pid);
            if (target == null) return Errno.ESRCH;
            who = target.Group.Credentials;
        }
        if (ctx.Arg(1) == 0) return 0;
        // struct __user_cap_data_struct { u32 effective, permitted, inheritable; } per 32-bit word.
        byte[] data = new byte[12 * header.Words];
        for (int w = 0; w < header.Words; w++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(12 * w), (uint)(who.CapEffective >> (32 * w)));
            BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(12 * w + 4), (uint)(who.CapPermitted >> (32 * w)));
            BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(12 * w + 8), (uint)(who.CapInheritable >> (32 * w)));
        }
        return ctx.Memory.Write(ctx.PtrArg(1), data) == Errno.OK ? 0 : Errno.EFAULT;
    }

    /// <summary>capset(2): only on the caller itself (EPERM for another pid), within the rules of <see cref="Credentials.SetCapabilities"/>.</summary>
    public static SyscallResult Capset(SyscallContext ctx)
    {
        if (!CapabilityHeader(ctx).TryGet(out (int Words, int Pid) header, out Errno e)) return e;
        if (header.Words == 0) return Errno.EINVAL;
        if (header.Pid != 0 && header.Pid != ctx.Task.Group.Tgid) return Errno.EPERM;
        byte[] data = new byte[12 * header.Words];
        if (ctx.Memory.Read(ctx.PtrArg(1), data) != Errno.OK) return Errno.EFAULT;
        ulong effective = 0, permitted = 0, inheritable = 0;
        for (int w = 0; w < header.Words; w++)
        {
            effective |= (ulong)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(12 * w)) << (32 * w);
            permitted |= (ulong)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(12 * w + 4)) << (32 * w);
            inheritable |= (ulong)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(12 * w + 8)) << (32 * w);
        }
        return Commit(ctx, Cred(ctx).SetCapabilities(effective, permitted, inheritable));
    }

    /// <summary>The prctl(2) options that stop: the ones that change what later capability checks see.</summary>
    public const uint PR_CAPBSET_DROP = 24, PR_SET_SECUREBITS = 28;

    /// <summary>
    /// prctl(2) PR_CAPBSET_DROP and PR_SET_SECUREBITS: both need CAP_SETPCAP, which is the guest's to have or not (EPERM
    /// before anything else, as Linux asks), not the host process's; then the host drops the bit or sets the bits, and
    /// PR_CAPBSET_READ and PR_GET_SECUREBITS read them there.
    /// </summary>
    public static SyscallResult Prctl(SyscallContext ctx) =>
        Cred(ctx).Capable(Capabilities.CAP_SETPCAP) ? SyscallResult.RunOnHost : Errno.EPERM;

    /// <summary>
    /// struct __user_cap_header_struct { u32 version; int pid; }: how many 32-bit words the data has (0 for an
    /// unknown version, after writing the preferred one back, as Linux does) and the pid; EINVAL for a negative pid.
    /// </summary>
    private static Result<(int Words, int Pid)> CapabilityHeader(SyscallContext ctx)
    {
        Span<byte> header = stackalloc byte[8];
        if (ctx.Memory.Read(ctx.PtrArg(0), header) != Errno.OK) return Errno.EFAULT;
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header);
        int words = version switch { LINUX_CAPABILITY_VERSION_1 => 1, LINUX_CAPABILITY_VERSION_2 or LINUX_CAPABILITY_VERSION_3 => 2, _ => 0 };
        if (words == 0)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(header, LINUX_CAPABILITY_VERSION_3);
            if (ctx.Memory.Write(ctx.PtrArg(0), header[..4]) != Errno.OK) return Errno.EFAULT;
            return (0, 0);
        }
        int pid = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        return pid < 0 ? Errno.EINVAL : (words, pid);
    }

    private const uint LINUX_CAPABILITY_VERSION_1 = 0x19980330;
    private const uint LINUX_CAPABILITY_VERSION_2 = 0x20071026;
    private const uint LINUX_CAPABILITY_VERSION_3 = 0x20080522;

    /// <summary>uname(2): Linux, the guest's host name, the host kernel's release.</summary>
    public static SyscallResult Uname(SyscallContext ctx)
    {
        Span<byte> u = stackalloc byte[65 * 6];
        u.Clear();
        UtsName uts = ctx.Kernel.UtsName;
        string[] fields = [uts.Sysname, uts.Nodename, uts.Release, uts.Version, uts.Machine, uts.Domainname];
        for (int i = 0; i < fields.Length; i++)
            Encoding.Latin1.GetBytes(fields[i].AsSpan(0, Math.Min(fields[i].Length, 64)), u[(65 * i)..]);
        return ctx.Memory.Write(ctx.PtrArg(0), u) == Errno.OK ? 0 : Errno.EFAULT;
    }

    /// <summary>sethostname(2)</summary>
    public static SyscallResult Sethostname(SyscallContext ctx) => SetUtsField(ctx, (uts, v) => uts.Nodename = v);

    /// <summary>setdomainname(2)</summary>
    public static SyscallResult Setdomainname(SyscallContext ctx) => SetUtsField(ctx, (uts, v) => uts.Domainname = v);

    private static SyscallResult SetUtsField(SyscallContext ctx, Action<UtsName, string> set)
    {
        if (!Cred(ctx).Capable(Capabilities.CAP_SYS_ADMIN)) return Errno.EPERM;
        ulong length = ctx.Arg(1);
        if (length > 64) return Errno.EINVAL;
        byte[] name = new byte[length];
        if (ctx.Memory.Read(ctx.PtrArg(0), name) != Errno.OK) return Errno.EFAULT;
        set(ctx.Kernel.UtsName, Encoding.Latin1.GetString(name));
        return 0;
    }
}

/// <summary>The strings of struct utsname that the guest sees.</summary>
public sealed class UtsName
{
    public string Sysname { get; set; } = "Linux";
    public string Nodename { get; set; } = "userkernel";
    public string Release { get; set; } = "6.1.0";
    public string Version { get; set; } = "#1 SMP";
    public string Machine { get; set; } = "x86_64";
    public string Domainname { get; set; } = "(none)";
}
