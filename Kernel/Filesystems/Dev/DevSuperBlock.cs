using System;
using System.Collections.Generic;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Filesystems.Dev;

/// <summary>
/// The guest's /dev: a small fixed directory of character devices, each of which opens the host device
/// of the same Linux-wide number (devices.txt fixes them: null is 1:3 everywhere); the usual links to
/// /proc/self/fd; and ptmx with a pts directory that shows the host pseudo-terminals the guests were given
/// (<see cref="GuestTerminals"/>), so a guest can open a new terminal pair and find its own terminal by name.
/// </summary>
public sealed class DevSuperBlock : SuperBlock
{
    private readonly FixedDirectory root;

    public DevSuperBlock(ulong device, GuestTerminals terminals, IReadOnlyList<Extensions.RegisteredDevice>? kernelDevices = null) : base(device)
    {
        var now = new Timespec(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 0);
        root = new FixedDirectory(this, 2, now);
        ulong ino = 2;
        foreach ((string name, uint major, uint minor) in HostNodes)
            root.Add(name, new DevNode(this, ++ino, "/dev/" + name, MakeDev(major, minor), now));
        foreach ((string name, string target) in new[] { ("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2") })
            root.Add(name, new DevLink(this, ++ino, target, now));
        // The kernel's own devices (an extension's), opened by the kernel's DeviceServer, not the host.
        foreach (Extensions.RegisteredDevice d in kernelDevices ?? [])
            root.Add(d.Device.Name, new KernelDeviceNode(this, ++ino, d, now));
        root.Add("pts", new PtsDirectory(this, ++ino, now, terminals));
        root.Add("shm", new FixedDirectory(this, ++ino, now));
    }

    private static readonly (string Name, uint Major, uint Minor)[] HostNodes =
    [
        ("full", 1u, 7u), ("null", 1u, 3u), ("ptmx", 5u, 2u), ("random", 1u, 8u), ("tty", 5u, 0u), ("urandom", 1u, 9u), ("zero", 1u, 5u),
    ];

    /// <summary>Whether /dev has a name of its own already (a device of the kernel may not take it).</summary>
    public static bool IsBuiltinName(string name) =>
        Array.Exists(HostNodes, n => n.Name == name) || name is "fd" or "stdin" or "stdout" or "stderr" or "pts" or "shm";

    public override Inode Root => root;
    public override string TypeName => "devtmpfs";
    public override long Magic => 0x01021994;
    public override bool ReadOnly => false;

    private sealed class DevLink : Inode
    {
        private readonly string target;
        private readonly Timespec time;

        public DevLink(SuperBlock sb, ulong ino, string target, Timespec time) : base(sb, ino)
        {
            this.target = target;
            this.time = time;
        }

        public override uint Mode => FileMode.S_IFLNK | 0x1FF;
        public override long Size => target.Length;
        public override Timespec Atime => time;
        public override Timespec Mtime => time;
        public override Timespec Ctime => time;
        public override Result<byte[]> ReadLink() => Names.ToBytes(target);
    }

    /// <summary>/dev/pts: the guests' host pseudo-terminal slaves under the guests' numbers, each opening its host node.</summary>
    private sealed class PtsDirectory : Inode
    {
        private readonly Timespec time;
        private readonly GuestTerminals terminals;

        // devpts's own multiplexer, as a container's devpts (ptmxmode=0666) has it.
        private readonly DevNode ptmx;

        public PtsDirectory(SuperBlock sb, ulong ino, Timespec time, GuestTerminals terminals) : base(sb, ino)
        {
            this.time = time;
            this.terminals = terminals;
            ptmx = new DevNode(sb, 999, "/dev/ptmx", MakeDev(5, 2), time);
        }

        public override uint Mode => FileMode.S_IFDIR | 0x1ED;
        public override ulong LinkCount => 2;
        public override Timespec Atime => time;
        public override Timespec Mtime => time;
        public override Timespec Ctime => time;

        public override Result<Inode> Lookup(string name)
        {
            if (name == "ptmx") return ptmx;
            if (!uint.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out uint n) ||
                n.ToString(System.Globalization.CultureInfo.InvariantCulture) != name || terminals.HostNumber(n) is not { } host) return Errno.ENOENT;
            string hostPath = "/dev/pts/" + host.ToString(System.Globalization.CultureInfo.InvariantCulture);
            // Unix98 slaves are char major 136 onwards, minor n (mod 256 per major). Shown with the host node's own
            // st_dev, st_ino and st_rdev, which fstat of the terminal descriptor reports, so that ttyname(3) (readlink
            // of /proc/self/fd/N, then stat of the name and a comparison) knows it under its guest name.
            (ulong Device, ulong Ino)? identity = HostNode.Identity(hostPath);
            return new DevNode(SuperBlock, identity?.Ino ?? 1000 + n, hostPath, MakeDev(136 + host / 256, host % 256), time) { HostDevice = identity?.Device };
        }

        public override Result<IReadOnlyList<DirectoryEntry>> ReadDirectory()
        {
            var list = new List<DirectoryEntry> { new(".", Ino, 4), new("..", 2, 4) };
            list.Add(new DirectoryEntry("ptmx", ptmx.Ino, 2 /* DT_CHR */));
            foreach (uint n in terminals.Numbers())
                list.Add(new DirectoryEntry(n.ToString(System.Globalization.CultureInfo.InvariantCulture), 1000 + n, 2 /* DT_CHR */));
            return DirectoryEntry.InListOrder(list);
        }
    }

    /// <summary>A node of one of the kernel's own devices: no host device behind it, only its number.</summary>
    private sealed class KernelDeviceNode(SuperBlock sb, ulong ino, Extensions.RegisteredDevice device, Timespec time) : Inode(sb, ino)
    {
        public override uint Mode => FileMode.S_IFCHR | (device.Device.Permissions & 0xFFF);
        public override ulong Rdev => device.Rdev;
        public override Timespec Atime => time;
        public override Timespec Mtime => time;
        public override Timespec Ctime => time;
    }

    private sealed class DevNode : Inode
    {
        private readonly Timespec time;
        private readonly ulong rdev;

        public DevNode(SuperBlock sb, ulong ino, string hostPath, ulong rdev, Timespec time) : base(sb, ino)
        {
            HostDevicePath = hostPath;
            this.rdev = rdev;
            this.time = time;
        }

        public override string HostDevicePath { get; }
        public override uint Mode => FileMode.S_IFCHR | 0x1B6; // 0666
        public override ulong Rdev => rdev;

        /// <summary>A host pseudo-terminal's st_dev (its devpts), when it is shown under the host's identity.</summary>
        public ulong? HostDevice { get; set; }

        public override ulong StatDevice => HostDevice ?? SuperBlock.Device;
        public override Timespec Atime => time;
        public override Timespec Mtime => time;
        public override Timespec Ctime => time;
    }
}
