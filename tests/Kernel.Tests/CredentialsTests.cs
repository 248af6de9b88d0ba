using System.Linq;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;
using Xunit;

namespace UserKernel.Kernel.Tests;

/// <summary>The set*id rules of credentials(7) and the owner/group/other check with root's exemptions.</summary>
public class CredentialsTests
{
    private const uint Keep = Credentials.NoChange;
    private static readonly Credentials User = Credentials.ForUser(1000, 1000, [1000, 27]);

    private static Credentials Ok(Result<Credentials> r)
    {
        Assert.True(r.TryGet(out Credentials? c, out Errno e), $"expected success, got {e}");
        return c;
    }

    private static void AssertUids(Credentials c, uint r, uint e, uint s, uint fs) => Assert.Equal((r, e, s, fs), (c.Ruid, c.Euid, c.Suid, c.Fsuid));

    [Fact]
    public void Root_setuid_changes_all_four_ids_and_then_cannot_go_back()
    {
        Credentials c = Ok(Credentials.Root.SetUid(1000));
        AssertUids(c, 1000, 1000, 1000, 1000);
        Assert.Equal(Errno.EPERM, c.SetUid(0).Error);
    }

    [Fact]
    public void Unprivileged_setuid_only_to_the_real_or_saved_id_and_only_the_effective_id()
    {
        Credentials c = Ok(Credentials.Root.SetResUid(1000, 1000, 0));
        Assert.Equal(Errno.EPERM, c.SetUid(2000).Error);
        Credentials back = Ok(c.SetUid(0));
        AssertUids(back, 1000, 0, 0, 0);
        Assert.Equal(Errno.EINVAL, User.SetUid(Keep).Error);
    }

    [Fact]
    public void Seteuid_by_root_keeps_the_saved_id_so_root_can_come_back()
    {
        // seteuid(1000) is setresuid(-1, 1000, -1) in glibc.
        Credentials c = Ok(Credentials.Root.SetResUid(Keep, 1000, Keep));
        AssertUids(c, 0, 1000, 0, 1000);
        Assert.False(c.Capable(Capabilities.CAP_SETUID)); // the effective set emptied with the effective uid
        AssertUids(Ok(c.SetResUid(Keep, 0, Keep)), 0, 0, 0, 0);
    }

    [Fact]
    public void Setresuid_unprivileged_may_only_permute_its_ids()
    {
        Credentials c = Ok(Credentials.Root.SetResUid(1000, 2000, 3000));
        AssertUids(Ok(c.SetResUid(3000, 1000, 2000)), 3000, 1000, 2000, 1000);
        Assert.Equal(Errno.EPERM, c.SetResUid(Keep, 4000, Keep).Error);
        Assert.Equal(Errno.EPERM, User.SetResUid(0, Keep, Keep).Error);
    }

    [Fact]
    public void Setreuid_sets_the_saved_id_as_linux_does()
    {
        // The real id set: saved follows the new effective id.
        AssertUids(Ok(Credentials.Root.SetReUid(1000, 2000)), 1000, 2000, 2000, 2000);
        // Only the effective id, to the real id: saved unchanged.
        Credentials c = Ok(Credentials.Root.SetResUid(1000, 2000, 3000));
        AssertUids(Ok(c.SetReUid(Keep, 1000)), 1000, 1000, 3000, 1000);
        // Only the effective id, to another id: saved follows.
        AssertUids(Ok(c.SetReUid(Keep, 3000)), 1000, 3000, 3000, 3000);
        // Swapping real and effective is allowed; the real id may not become the saved id.
        AssertUids(Ok(c.SetReUid(2000, 1000)), 2000, 1000, 1000, 1000);
        Assert.Equal(Errno.EPERM, c.SetReUid(3000, Keep).Error);
    }

    [Fact]
    public void Group_ids_follow_the_same_rules_with_CAP_SETGID_as_privilege()
    {
        Credentials c = Ok(Credentials.Root.SetResGid(100, 100, 100));
        Assert.Equal((100u, 100u, 100u, 100u), (c.Rgid, c.Egid, c.Sgid, c.Fsgid));
        Assert.True(c.Capable(Capabilities.CAP_SETGID)); // still root with its capabilities: may set any gid
        Assert.Equal(5u, Ok(c.SetGid(5)).Sgid);
        Assert.Equal(Errno.EPERM, User.SetGid(0).Error);
        Assert.Equal(Errno.EPERM, User.SetReGid(0, Keep).Error);
        Assert.Equal(Errno.EPERM, User.SetResGid(Keep, Keep, 0).Error);
        Assert.Equal(1000u, Ok(User.SetGid(1000)).Egid);
    }

    [Fact]
    public void Setfsuid_returns_the_old_id_and_changes_only_when_allowed()
    {
        (uint previous, Credentials next) = User.SetFsUid(0);
        Assert.Equal(1000u, previous);
        Assert.Same(User, next);
        (previous, next) = Credentials.Root.SetFsUid(1000);
        Assert.Equal(0u, previous);
        AssertUids(next, 0, 0, 0, 1000);
        Assert.Equal(0u, Credentials.Root.SetFsUid(Keep).Previous);
        Assert.Equal(1000u, User.SetFsGid(27).Previous);
        Assert.Equal(1000u, User.SetFsGid(27).Next.Fsgid); // 27 is a supplementary group, not r/e/s: refused
    }

    [Fact]
    public void Setgroups_needs_euid_0_and_sorts()
    {
        Assert.Equal(Errno.EPERM, User.SetGroups([1]).Error);
        Assert.Equal([3u, 5u, 9u], Ok(Credentials.Root.SetGroups([9, 3, 5])).Groups.ToArray());
        Assert.Equal(Errno.EINVAL, Credentials.Root.SetGroups(new uint[Credentials.NGROUPS_MAX + 1]).Error);
    }

    [Theory]
    //  perm,  owner, group, R W X  -> user 1000 (groups 1000, 27)
    [InlineData(0x1A4u, 0u, 0u, AccessMode.R_OK, true)]          // 0644 root: others may read
    [InlineData(0x1A4u, 0u, 0u, AccessMode.W_OK, false)]
    [InlineData(0x180u, 0u, 0u, AccessMode.R_OK, false)]         // 0600 root
    [InlineData(0x180u, 1000u, 0u, AccessMode.R_OK | AccessMode.W_OK, true)] // 0600 own
    [InlineData(0x1C0u, 0u, 0u, AccessMode.X_OK, false)]         // 0700 root program
    [InlineData(0x010u, 0u, 27u, AccessMode.W_OK, true)]         // 0020, a supplementary group
    [InlineData(0x007u, 1000u, 0u, AccessMode.R_OK, false)]      // 0007 own: the owner's bits decide, not the others'
    [InlineData(0x038u, 0u, 1000u, AccessMode.X_OK, true)]       // 0070 primary group
    public void Unprivileged_check_takes_owner_then_group_then_other_bits(uint perm, uint uid, uint gid, int mode, bool allowed) =>
        Assert.Equal(allowed, Permissions.May(User, perm, uid, gid, directory: false, mode));

    [Theory]
    [InlineData(0x000u, false, AccessMode.R_OK | AccessMode.W_OK, true)] // root reads and writes mode 000
    [InlineData(0x000u, false, AccessMode.X_OK, false)]                  // but executes only with an x bit
    [InlineData(0x001u, false, AccessMode.X_OK, true)]                   // any of the three
    [InlineData(0x000u, true, AccessMode.X_OK, true)]                    // and searches any directory
    public void Root_bypasses_read_and_write_and_needs_one_x_bit(uint perm, bool directory, int mode, bool allowed) =>
        Assert.Equal(allowed, Permissions.May(Credentials.Root, perm, 1000, 1000, directory, mode));

    [Fact]
    public void Access_checks_with_the_real_ids_and_open_with_the_filesystem_ids()
    {
        Credentials c = Ok(Credentials.Root.SetResUid(1000, 0, 0)); // real 1000, effective 0
        Assert.True(Permissions.May(c, 0x180, 0, 0, false, AccessMode.R_OK));
        Assert.False(Permissions.May(c.ForAccess(), 0x180, 0, 0, false, AccessMode.R_OK));
    }

    [Fact]
    public void A_path_walk_needs_search_permission_on_every_directory()
    {
        var fs = new TreeFileSystem();
        fs.Dir("secret", 0x1C0);      // 0700 root
        fs.File("secret/file");
        fs.Dir("passage", 0x1C9);     // 0711 root: search but no read
        fs.File("passage/file");
        fs.Symlink("via", "/secret/file");
        var mounts = new MountTable(fs);
        var walk = new PathWalk(mounts);

        Assert.Equal(Errno.EACCES, walk.Resolve(User, mounts.Root, "/secret/file", true).Error);
        Assert.Equal(Errno.EACCES, walk.Resolve(User, mounts.Root, "/secret/.", true).Error);
        Assert.Equal(Errno.EACCES, walk.Resolve(User, mounts.Root, "/via", true).Error);
        Assert.Equal(Errno.OK, walk.Resolve(User, mounts.Root, "/via", false).Error);  // the link itself is reachable
        Assert.Equal(Errno.OK, walk.Resolve(User, mounts.Root, "/secret", true).Error); // naming the directory needs no search of it
        Assert.Equal(Errno.OK, walk.Resolve(User, mounts.Root, "/passage/file", true).Error);
        Assert.Equal(Errno.OK, walk.Resolve(Credentials.Root, mounts.Root, "/secret/file", true).Error);
    }

    [Fact]
    public void Capabilities_follow_uid_changes_and_exec_as_capabilities_7_says()
    {
        // Leaving uid 0 in all three ids drops everything.
        Credentials gone = Ok(Credentials.Root.SetResUid(1000, 1000, 1000));
        Assert.Equal((0UL, 0UL), (gone.CapPermitted, gone.CapEffective));
        // The effective uid leaving 0 empties the effective set; coming back refills it from the permitted one.
        Credentials away = Ok(Credentials.Root.SetResUid(Keep, 1000, Keep));
        Assert.Equal((Capabilities.All, 0UL), (away.CapPermitted, away.CapEffective));
        Assert.Equal(Capabilities.All, Ok(away.SetResUid(Keep, 0, Keep)).CapEffective);
        // The filesystem uid moves only the filesystem capabilities.
        Credentials fs = Credentials.Root.SetFsUid(1000).Next;
        Assert.False(fs.Capable(Capabilities.CAP_DAC_OVERRIDE));
        Assert.True(fs.Capable(Capabilities.CAP_SETUID));
        // exec: real root keeps every permitted capability, effective only with euid 0; others get none.
        Assert.Equal((Capabilities.All, 0UL), (away.AfterExec().CapPermitted, away.AfterExec().CapEffective));
        Assert.Equal(0UL, gone.AfterExec().CapPermitted);
        // capset: within the permitted set, the effective set within the new permitted one.
        Credentials fewer = Ok(Credentials.Root.SetCapabilities(0, 1UL << Capabilities.CAP_CHOWN, 0));
        Assert.Equal(Errno.EPERM, fewer.SetCapabilities(0, Capabilities.All, 0).Error);
        Assert.Equal(Errno.EPERM, fewer.SetCapabilities(1UL << Capabilities.CAP_SETUID, 1UL << Capabilities.CAP_CHOWN, 0).Error);
    }
}
