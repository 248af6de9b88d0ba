using System;
using System.Text;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Tasks;

namespace UserKernel.Kernel.Syscalls;

/// <summary>Who the guest is: its credentials and its host name.</summary>
public static partial class Sys
{
    /// <summary>getuid(2)</summary>
    public static SyscallResult Getuid(SyscallContext ctx) => ctx.Task.Group.Credentials.Uid;
    /// <summary>geteuid(2)</summary>
    public static SyscallResult Geteuid(SyscallContext ctx) => ctx.Task.Group.Credentials.Uid;
    /// <summary>getgid(2)</summary>
    public static SyscallResult Getgid(SyscallContext ctx) => ctx.Task.Group.Credentials.Gid;
    /// <summary>getegid(2)</summary>
    public static SyscallResult Getegid(SyscallContext ctx) => ctx.Task.Group.Credentials.Gid;

    /// <summary>getresuid(2)</summary>
    public static SyscallResult Getresuid(SyscallContext ctx) => WriteThreeIds(ctx, ctx.Task.Group.Credentials.Uid);

    /// <summary>getresgid(2)</summary>
    public static SyscallResult Getresgid(SyscallContext ctx) => WriteThreeIds(ctx, ctx.Task.Group.Credentials.Gid);

    private static SyscallResult WriteThreeIds(SyscallContext ctx, uint id)
    {
        for (int i = 0; i < 3; i++)
            if (Guest.GuestMemoryExtensions.WriteInt32(ctx.Memory, ctx.PtrArg(i), (int)id) != Errno.OK) return Errno.EFAULT;
        return 0;
    }

    /// <summary>getgroups(2): the guest has no supplementary groups.</summary>
    public static SyscallResult Getgroups(SyscallContext ctx) => ctx.IntArg(0) < 0 ? Errno.EINVAL : 0;

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
        if (ctx.Task.Group.Credentials.Uid != 0) return Errno.EPERM;
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
