using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Filesystems.Dev;

/// <summary>
/// The host devices a guest may open, by their Linux-wide numbers (devices.txt): the harmless pseudo
/// devices and the controlling terminal. A device node anywhere in the guest's tree with one of these
/// numbers opens the host device; any other number is refused (EPERM), as a container's device policy would.
/// </summary>
public static class HostDevices
{
    /// <summary>The host path for a device number, or null if guests may not open it.</summary>
    public static string? PathFor(ulong rdev) =>
        rdev == SuperBlock.MakeDev(1, 3) ? "/dev/null" :
        rdev == SuperBlock.MakeDev(1, 5) ? "/dev/zero" :
        rdev == SuperBlock.MakeDev(1, 7) ? "/dev/full" :
        rdev == SuperBlock.MakeDev(1, 8) ? "/dev/random" :
        rdev == SuperBlock.MakeDev(1, 9) ? "/dev/urandom" :
        rdev == SuperBlock.MakeDev(5, 0) ? "/dev/tty" :
        null;
}
