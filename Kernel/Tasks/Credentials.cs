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
/// Privilege is euid 0 (Linux's CAP_SETUID/CAP_SETGID); for file access it is fsuid 0.
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

    /// <summary>The user id files are checked against and created with: the filesystem uid.</summary>
    public uint Uid => Fsuid;

    /// <summary>The group id files are checked against and created with: the filesystem gid.</summary>
    public uint Gid => Fsgid;

    /// <summary>Whether the caller may act as root (Linux's capable()): euid 0.</summary>
    public bool Privileged => Euid == 0;

    /// <summary>All four user ids <paramref name="uid"/>, all four group ids <paramref name="gid"/>.</summary>
    public static Credentials ForUser(uint uid, uint gid, IEnumerable<uint> groups) => new()
    {
        Ruid = uid, Euid = uid, Suid = uid, Fsuid = uid,
        Rgid = gid, Egid = gid, Sgid = gid, Fsgid = gid,
        Groups = [.. groups],
    };

    /// <summary>Whether <paramref name="gid"/> is the filesystem gid or a supplementary group (in_group_p).</summary>
    public bool InGroup(uint gid) => gid == Fsgid || Groups.Contains(gid);

    /// <summary>The credentials access(2) checks with: filesystem ids set to the real ones.</summary>
    public Credentials ForAccess() => this with { Fsuid = Ruid, Fsgid = Rgid };

    /// <summary>setuid(2): privileged, all of real, effective, saved; else only the effective id, to the real or saved id.</summary>
    public Result<Credentials> SetUid(uint uid)
    {
        if (uid == NoChange) return Errno.EINVAL;
        if (Privileged) return this with { Ruid = uid, Euid = uid, Suid = uid, Fsuid = uid };
        if (uid != Ruid && uid != Suid) return Errno.EPERM;
        return this with { Euid = uid, Fsuid = uid };
    }

    /// <summary>setgid(2), as setuid for the group ids.</summary>
    public Result<Credentials> SetGid(uint gid)
    {
        if (gid == NoChange) return Errno.EINVAL;
        if (Privileged) return this with { Rgid = gid, Egid = gid, Sgid = gid, Fsgid = gid };
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
            if (!Privileged && ruid != Ruid && ruid != Euid) return Errno.EPERM;
            r = ruid;
        }
        if (euid != NoChange)
        {
            if (!Privileged && euid != Ruid && euid != Euid && euid != Suid) return Errno.EPERM;
            e = euid;
        }
        if (ruid != NoChange || (euid != NoChange && euid != Ruid)) s = e;
        return this with { Ruid = r, Euid = e, Suid = s, Fsuid = e };
    }

    /// <summary>setregid(2), as setreuid for the group ids.</summary>
    public Result<Credentials> SetReGid(uint rgid, uint egid)
    {
        uint r = Rgid, e = Egid, s = Sgid;
        if (rgid != NoChange)
        {
            if (!Privileged && rgid != Rgid && rgid != Egid) return Errno.EPERM;
            r = rgid;
        }
        if (egid != NoChange)
        {
            if (!Privileged && egid != Rgid && egid != Egid && egid != Sgid) return Errno.EPERM;
            e = egid;
        }
        if (rgid != NoChange || (egid != NoChange && egid != Rgid)) s = e;
        return this with { Rgid = r, Egid = e, Sgid = s, Fsgid = e };
    }

    /// <summary>setresuid(2): unprivileged, each id may become any of the current real, effective or saved ids.</summary>
    public Result<Credentials> SetResUid(uint ruid, uint euid, uint suid)
    {
        if (!Privileged && !(AllowedUid(ruid) && AllowedUid(euid) && AllowedUid(suid))) return Errno.EPERM;
        uint e = euid == NoChange ? Euid : euid;
        return this with { Ruid = ruid == NoChange ? Ruid : ruid, Euid = e, Suid = suid == NoChange ? Suid : suid, Fsuid = e };
    }

    /// <summary>setresgid(2), as setresuid for the group ids.</summary>
    public Result<Credentials> SetResGid(uint rgid, uint egid, uint sgid)
    {
        if (!Privileged && !(AllowedGid(rgid) && AllowedGid(egid) && AllowedGid(sgid))) return Errno.EPERM;
        uint e = egid == NoChange ? Egid : egid;
        return this with { Rgid = rgid == NoChange ? Rgid : rgid, Egid = e, Sgid = sgid == NoChange ? Sgid : sgid, Fsgid = e };
    }

    /// <summary>
    /// setfsuid(2): privileged, or to the real, effective, saved or current filesystem id; otherwise unchanged.
    /// Returns the previous filesystem uid either way, with the (possibly) new credentials.
    /// </summary>
    public (uint Previous, Credentials Next) SetFsUid(uint fsuid)
    {
        bool ok = fsuid != NoChange && (Privileged || fsuid == Ruid || fsuid == Euid || fsuid == Suid || fsuid == Fsuid);
        return (Fsuid, ok ? this with { Fsuid = fsuid } : this);
    }

    /// <summary>setfsgid(2), as setfsuid for the group ids.</summary>
    public (uint Previous, Credentials Next) SetFsGid(uint fsgid)
    {
        bool ok = fsgid != NoChange && (Privileged || fsgid == Rgid || fsgid == Egid || fsgid == Sgid || fsgid == Fsgid);
        return (Fsgid, ok ? this with { Fsgid = fsgid } : this);
    }

    /// <summary>setgroups(2): privileged only; at most NGROUPS_MAX groups.</summary>
    public Result<Credentials> SetGroups(IReadOnlyList<uint> groups)
    {
        if (groups.Count > NGROUPS_MAX) return Errno.EINVAL;
        if (!Privileged) return Errno.EPERM;
        return this with { Groups = [.. groups.Order()] };
    }

    private bool AllowedUid(uint id) => id == NoChange || id == Ruid || id == Euid || id == Suid;
    private bool AllowedGid(uint id) => id == NoChange || id == Rgid || id == Egid || id == Sgid;

    public bool Equals(Credentials? other) =>
        other is not null && Ruid == other.Ruid && Euid == other.Euid && Suid == other.Suid && Fsuid == other.Fsuid
        && Rgid == other.Rgid && Egid == other.Egid && Sgid == other.Sgid && Fsgid == other.Fsgid && Groups.SequenceEqual(other.Groups);

    public override int GetHashCode() => HashCode.Combine(Ruid, Euid, Suid, Fsuid, Rgid, Egid, Sgid, Fsgid);
}
