using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using UserKernel.Kernel.Abi;

namespace UserKernel.Kernel.Tasks;

/// <summary>
/// The guest identity of a thread group (Linux's struct cred): real, effective, saved and filesystem
/// user and group ids and the supplementary groups. Immutable: a set*id call replaces the group's
/// credentials, fork copies the reference, exec keeps it. Set-user-ID and set-group-ID bits on programs
/// are ignored, as on a nosuid mount. The guest runs as root unless told otherwise.
/// Privilege is the capabilities of the effective set (<see cref="Capable"/>); they follow the user ids as
/// capabilities(7) describes (<see cref="FixCapabilities"/>) and are recomputed by exec (<see cref="AfterExec"/>).
/// </summary>
public sealed record Credentials
{
    public const uint NoChange = uint.MaxValue; // (uid_t)-1

    /// <summary>Linux's NGROUPS_MAX.</summary>
    public const int NGROUPS_MAX = 65536;

    public static readonly Credentials Root = ForUser(0, 0, []);

    public uint Ruid { get; init; }
    public uint Euid { get; init; }
    public uint Suid { get; init; }
    public uint Fsuid { get; init; }
    public uint Rgid { get; init; }
    public uint Egid { get; init; }
    public uint Sgid { get; init; }
    public uint Fsgid { get; init; }
    public ImmutableArray<uint> Groups { get; init; } = [];

    /// <summary>The permitted, effective and inheritable capability sets (no ambient set).</summary>
    public ulong CapPermitted { get; init; }
    public ulong CapEffective { get; init; }
    public ulong CapInheritable { get; init; }

    /// <summary>The bounding set: what an exec by root may gain (all, unless a container's config narrows it).</summary>
    public ulong CapBounding { get; init; } = Capabilities.All;

    /// <summary>The user id files are checked against and created with: the filesystem uid.</summary>
    public uint Uid => Fsuid;

    /// <summary>The group id files are checked against and created with: the filesystem gid.</summary>
    public uint Gid => Fsgid;

    /// <summary>capable(): whether capability <paramref name="cap"/> is in the effective set.</summary>
    public bool Capable(int cap) => Capabilities.Has(CapEffective, cap);

    private bool CanSetUid => Capable(Capabilities.CAP_SETUID);
    private bool CanSetGid => Capable(Capabilities.CAP_SETGID);

    /// <summary>All four user ids <paramref name="uid"/>, all four group ids <paramref name="gid"/>.</summary>
    public static Credentials ForUser(uint uid, uint gid, IEnumerable<uint> groups) => new()
    {
        Ruid = uid,
        Euid = uid,
        Suid = uid,
        Fsuid = uid,
        Rgid = gid,
        Egid = gid,
        Sgid = gid,
        Fsgid = gid,
        Groups = [.. groups],
        CapPermitted = uid == 0 ? Capabilities.All : 0,
        CapEffective = uid == 0 ? Capabilities.All : 0,
    };

    /// <summary>
    /// kill_ok_by_cred: whether a process with these credentials may signal one with <paramref name="target"/>'s: its real
    /// or effective uid is the target's real or saved uid, or it has CAP_KILL.
    /// </summary>
    public bool MayKill(Credentials target) =>
        Euid == target.Suid || Euid == target.Ruid || Ruid == target.Suid || Ruid == target.Ruid || Capable(Capabilities.CAP_KILL);

    /// <summary>Whether <paramref name="gid"/> is the filesystem gid or a supplementary group (in_group_p).</summary>
    /// <summary>
    /// ptrace_may_access with PTRACE_MODE_REALCREDS: the caller's real ids are all the target's ids, or it has
    /// CAP_SYS_PTRACE (ptrace attach, process_vm_readv and process_vm_writev).
    /// </summary>
    public bool MayTrace(Credentials target) => Capable(Capabilities.CAP_SYS_PTRACE) ||
        (Ruid == target.Ruid && Ruid == target.Euid && Ruid == target.Suid && Rgid == target.Rgid && Rgid == target.Egid && Rgid == target.Sgid);

    public bool InGroup(uint gid) => gid == Fsgid || Groups.Contains(gid);

    /// <summary>The credentials access(2) checks with: filesystem ids set to the real ones.</summary>
    /// <remarks>Like Linux, a real uid other than 0 checks without capabilities, and real root with all it may have.</remarks>
    public Credentials ForAccess() => this with { Fsuid = Ruid, Fsgid = Rgid, CapEffective = Ruid == 0 ? CapPermitted : 0 };

    /// <summary>
    /// The capabilities after execve of a program without file capabilities: root (real or effective uid 0) gets
    /// every capability of the bounding set (and its inheritable ones) permitted, and effective if its effective uid is 0;
    /// anyone else gets none.
    /// </summary>
    public Credentials AfterExec()
    {
        ulong permitted = Ruid == 0 || Euid == 0 ? CapBounding | CapInheritable : 0;
        return this with { CapPermitted = permitted, CapEffective = Euid == 0 ? permitted : 0 };
    }

    /// <summary>
    /// capset(2) on the caller: the new permitted set within the old one, the effective within the new permitted,
    /// the inheritable within the old inheritable and permitted unless CAP_SETPCAP. Bits past CAP_LAST_CAP are dropped.
    /// </summary>
    public Result<Credentials> SetCapabilities(ulong effective, ulong permitted, ulong inheritable)
    {
        (effective, permitted, inheritable) = (effective & Capabilities.All, permitted & Capabilities.All, inheritable & Capabilities.All);
        if (!Capable(Capabilities.CAP_SETPCAP) && (inheritable & ~(CapInheritable | CapPermitted)) != 0) return Errno.EPERM;
        if ((permitted & ~CapPermitted) != 0) return Errno.EPERM;
        if ((effective & ~permitted) != 0) return Errno.EPERM;
        return this with { CapEffective = effective, CapPermitted = permitted, CapInheritable = inheritable };
    }

    /// <summary>
    /// cap_emulate_setxuid: leaving uid 0 in all of real, effective and saved drops every capability; the
    /// effective uid leaving 0 empties the effective set and coming back to 0 fills it from the permitted one.
    /// </summary>
    private Credentials FixCapabilities(Credentials next)
    {
        ulong permitted = next.CapPermitted, effective = next.CapEffective;
        if ((Ruid == 0 || Euid == 0 || Suid == 0) && next.Ruid != 0 && next.Euid != 0 && next.Suid != 0)
            permitted = effective = 0;
        if (Euid == 0 && next.Euid != 0) effective = 0;
        if (Euid != 0 && next.Euid == 0) effective = permitted;
        return next with { CapPermitted = permitted, CapEffective = effective };
    }

    /// <summary>setuid(2): privileged, all of real, effective, saved; else only the effective id, to the real or saved id.</summary>
    public Result<Credentials> SetUid(uint uid)
    {
        if (uid == NoChange) return Errno.EINVAL;
        if (CanSetUid) return FixCapabilities(this with { Ruid = uid, Euid = uid, Suid = uid, Fsuid = uid });
        if (uid != Ruid && uid != Suid) return Errno.EPERM;
        return FixCapabilities(this with { Euid = uid, Fsuid = uid });
    }

    /// <summary>setgid(2), as setuid for the group ids.</summary>
    public Result<Credentials> SetGid(uint gid)
    {
        if (gid == NoChange) return Errno.EINVAL;
        if (CanSetGid) return this with { Rgid = gid, Egid = gid, Sgid = gid, Fsgid = gid };
        if (gid != Rgid && gid != Sgid) return Errno.EPERM;
        return this with { Egid = gid, Fsgid = gid };
    }

    /// <summary>
    /// setreuid(2): unprivileged, the real id may become the real or effective id, the effective id the
    /// real, effective or saved id. The saved id follows the new effective id when the real id is set or
    /// the effective id becomes other than the old real id.
    /// </summary>
    public Result<Credentials> SetReUid(uint ruid, uint euid)
    {
        uint r = Ruid, e = Euid, s = Suid;
        if (ruid != NoChange)
        {
            if (!CanSetUid && ruid != Ruid && ruid != Euid) return Errno.EPERM;
            r = ruid;
        }
        if (euid != NoChange)
        {
            if (!CanSetUid && euid != Ruid && euid != Euid && euid != Suid) return Errno.EPERM;
            e = euid;
        }
        if (ruid != NoChange || (euid != NoChange && euid != Ruid)) s = e;
        return FixCapabilities(this with { Ruid = r, Euid = e, Suid = s, Fsuid = e });
    }

    /// <summary>setregid(2), as setreuid for the group ids.</summary>
    public Result<Credentials> SetReGid(uint rgid, uint egid)
    {
        uint r = Rgid, e = Egid, s = Sgid;
        if (rgid != NoChange)
        {
            if (!CanSetGid && rgid != Rgid && rgid != Egid) return Errno.EPERM;
            r = rgid;
        }
        if (egid != NoChange)
        {
            if (!CanSetGid && egid != Rgid && egid != Egid && egid != Sgid) return Errno.EPERM;
            e = egid;
        }
        if (rgid != NoChange || (egid != NoChange && egid != Rgid)) s = e;
        return this with { Rgid = r, Egid = e, Sgid = s, Fsgid = e };
    }

    /// <summary>setresuid(2): unprivileged, each id may become any of the current real, effective or saved ids.</summary>
    public Result<Credentials> SetResUid(uint ruid, uint euid, uint suid)
    {
        if (!CanSetUid && !(AllowedUid(ruid) && AllowedUid(euid) && AllowedUid(suid))) return Errno.EPERM;
        uint e = euid == NoChange ? Euid : euid;
        return FixCapabilities(this with { Ruid = ruid == NoChange ? Ruid : ruid, Euid = e, Suid = suid == NoChange ? Suid : suid, Fsuid = e });
    }

    /// <summary>setresgid(2), as setresuid for the group ids.</summary>
    public Result<Credentials> SetResGid(uint rgid, uint egid, uint sgid)
    {
        if (!CanSetGid && !(AllowedGid(rgid) && AllowedGid(egid) && AllowedGid(sgid))) return Errno.EPERM;
        uint e = egid == NoChange ? Egid : egid;
        return this with { Rgid = rgid == NoChange ? Rgid : rgid, Egid = e, Sgid = sgid == NoChange ? Sgid : sgid, Fsgid = e };
    }

    /// <summary>
    /// setfsuid(2): privileged, or to the real, effective, saved or current filesystem id; otherwise unchanged.
    /// Returns the previous filesystem uid either way, with the (possibly) new credentials.
    /// </summary>
    public (uint Previous, Credentials Next) SetFsUid(uint fsuid)
    {
        bool ok = fsuid != NoChange && (CanSetUid || fsuid == Ruid || fsuid == Euid || fsuid == Suid || fsuid == Fsuid);
        if (!ok) return (Fsuid, this);
        // The filesystem capabilities follow the filesystem uid out of 0 and back.
        ulong effective = CapEffective;
        if (Fsuid == 0 && fsuid != 0) effective &= ~Capabilities.FileSystem;
        if (Fsuid != 0 && fsuid == 0) effective |= CapPermitted & Capabilities.FileSystem;
        return (Fsuid, this with { Fsuid = fsuid, CapEffective = effective });
    }

    /// <summary>setfsgid(2), as setfsuid for the group ids.</summary>
    public (uint Previous, Credentials Next) SetFsGid(uint fsgid)
    {
        bool ok = fsgid != NoChange && (CanSetGid || fsgid == Rgid || fsgid == Egid || fsgid == Sgid || fsgid == Fsgid);
        return (Fsgid, ok ? this with { Fsgid = fsgid } : this);
    }

    /// <summary>setgroups(2): privileged only; at most NGROUPS_MAX groups.</summary>
    public Result<Credentials> SetGroups(IReadOnlyList<uint> groups)
    {
        if (groups.Count > NGROUPS_MAX) return Errno.EINVAL;
        if (!CanSetGid) return Errno.EPERM;
        return this with { Groups = [.. groups.Order()] };
    }

    private bool AllowedUid(uint id) => id == NoChange || id == Ruid || id == Euid || id == Suid;
    private bool AllowedGid(uint id) => id == NoChange || id == Rgid || id == Egid || id == Sgid;

    public bool Equals(Credentials? other) =>
        other is not null && Ruid == other.Ruid && Euid == other.Euid && Suid == other.Suid && Fsuid == other.Fsuid
        && Rgid == other.Rgid && Egid == other.Egid && Sgid == other.Sgid && Fsgid == other.Fsgid && Groups.SequenceEqual(other.Groups)
        && CapPermitted == other.CapPermitted && CapEffective == other.CapEffective && CapInheritable == other.CapInheritable;

    public override int GetHashCode() => HashCode.Combine(Ruid, Euid, Suid, Fsuid, Rgid, Egid, Sgid, Fsgid);
}
