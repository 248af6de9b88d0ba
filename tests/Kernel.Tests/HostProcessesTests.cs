using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Tasks;
using Xunit;

namespace UserKernel.Kernel.Tests;

/// <summary>The host's relations of a guest process (parent, process group, session, umask), read from the platform's view of it alone.</summary>
public sealed class HostProcessesTests
{
    private const string Stat = "4000301 (a b) S 4000300 4000302 4000303 34816 4000302 4194560 124 0 0 0\n";

    [Fact]
    public void Parent_process_group_and_session_are_fields_4_5_and_6_of_the_views_stat()
    {
        // Arrange
        var process = new FakeGuestThread(4_000_301);
        process.SetProcText(GuestProcFile.Stat, Stat);

        // Act, Assert
        Assert.Equal(4_000_300, HostProcesses.ParentOf(process));
        Assert.Equal(4_000_302, HostProcesses.ProcessGroupOf(process));
        Assert.Equal(4_000_303, HostProcesses.SessionOf(process));
        Assert.Equal(4_000_302, HostProcesses.StatField(Stat, 8));
    }

    [Fact]
    public void A_gone_process_has_no_relations_and_no_umask()
    {
        Assert.Equal(-1, HostProcesses.SessionOf(UnseenGuests.Instance));
        Assert.Equal(-1, HostProcesses.ParentOf(UnseenGuests.Instance));
        Assert.Null(HostProcesses.UmaskOf(UnseenGuests.Instance));
    }

    [Fact]
    public void Umask_is_the_status_line_in_octal()
    {
        // Arrange
        var process = new FakeGuestThread(4_000_301);
        process.SetProcText(GuestProcFile.Status, "Name:\tsh\nUmask:\t0027\nState:\tS (sleeping)\n");

        // Act, Assert
        Assert.Equal(0x17u /* 027 */, HostProcesses.UmaskOf(process));
    }

    [Fact]
    public void SIGCONT_may_go_to_a_process_of_the_senders_host_session_whatever_the_credentials()
    {
        // Arrange: a user's process and root's, in one session and then in two
        var platform = new FakeGuestPlatform();
        var sender = new FakeGuestThread(4_000_401);
        var target = new FakeGuestThread(4_000_402);
        platform.Add(sender);
        platform.Add(target);
        var senderGroup = new ThreadGroup(2, sender.HostTid, null, null!, Credentials.ForUser(1000, 1000, []));
        var targetGroup = new ThreadGroup(3, target.HostTid, null, null!, Credentials.Root);
        sender.SetProcText(GuestProcFile.Stat, "4000401 (sh) S 1 4000401 4000400 0 -1 0\n");
        target.SetProcText(GuestProcFile.Stat, "4000402 (sleep) S 1 4000402 4000400 0 -1 0\n");

        // Act
        bool sameSession = senderGroup.MaySignal(targetGroup, Signals.SIGCONT, platform);
        bool term = senderGroup.MaySignal(targetGroup, Signals.SIGTERM, platform);
        target.SetProcText(GuestProcFile.Stat, "4000402 (sleep) S 1 4000402 4000499 0 -1 0\n");
        bool otherSession = senderGroup.MaySignal(targetGroup, Signals.SIGCONT, platform);

        // Assert
        Assert.True(sameSession);
        Assert.False(term);
        Assert.False(otherSession);
    }
}
