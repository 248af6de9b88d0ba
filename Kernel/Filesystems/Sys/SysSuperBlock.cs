using System;
using System.Collections.Generic;
using System.Globalization;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Filesystems.Sys;

/// <summary>
/// A minimal sysfs on /sys: the CPU facts that C libraries read (glibc's get_nprocs reads
/// devices/system/cpu/online, get_nprocs_conf possible or the cpuN directories), copied from the host when
/// first looked at, and an empty kernel/ directory. Directories are 0755 and attributes 0444, root's, as on
/// Linux; an attribute reports 4096 bytes and is rendered at open, as sysfs does. It is read-only.
/// </summary>
public sealed class SysSuperBlock : SuperBlock
{
    private const string HostCpu = "/sys/devices/system/cpu";

    private readonly SysDirectory root;
    private ulong nextIno = 1;

    public SysSuperBlock(ulong device) : base(device)
    {
        var now = new Timespec(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 0);
        root = new SysDirectory(this, nextIno++, now, 0x16D /* 0555, as Linux's /sys */);
        SysDirectory system = root.Directory("devices", now).Directory("system", now);
        system.Add("cpu", new HostCpuDirectory(this, nextIno++, now));
        root.Directory("kernel", now);
    }

    public override Inode Root => root;
    public override string TypeName => "sysfs";
    public override long Magic => 0x62656572; // SYSFS_MAGIC
    public override bool ReadOnly => true;

    /// <summary>The content of one of the host's CPU attributes, or null if the host has no sysfs.</summary>
    private static string? HostText(string name)
    {
        try { return System.IO.File.ReadAllText(HostCpu + "/" + name); }
        catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>The host's cpuN directories, in number order; cpu0 alone if the host has no sysfs.</summary>
    private static List<string> HostCpuDirectories()
    {
        var numbers = new List<int>();
        try
        {
            foreach (string path in System.IO.Directory.EnumerateDirectories(HostCpu, "cpu*"))
            {
                string name = System.IO.Path.GetFileName(path);
                if (int.TryParse(name.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out int n)) numbers.Add(n);
            }
        }
        catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException) { }
        if (numbers.Count == 0) numbers.Add(0);
        numbers.Sort();
        return numbers.ConvertAll(n => "cpu" + n.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>devices/system/cpu, copied from the host at its first use: a run that never looks reads nothing of the host's.</summary>
    private sealed class HostCpuDirectory : SysDirectory
    {
        private readonly SysSuperBlock owner;
        private readonly Timespec mounted;
        private bool filled;

        public HostCpuDirectory(SysSuperBlock sb, ulong ino, Timespec time) : base(sb, ino, time)
        {
            owner = sb;
            mounted = time;
        }

        public override Result<Inode> Lookup(string name)
        {
            Fill();
            return base.Lookup(name);
        }

        public override Result<IReadOnlyList<DirectoryEntry>> ReadDirectory()
        {
            Fill();
            return base.ReadDirectory();
        }

        public override ulong LinkCount
        {
            get
            {
                Fill();
                return base.LinkCount;
            }
        }

        private void Fill()
        {
            if (filled) return;
            filled = true;
            foreach (string name in new[] { "online", "possible", "present" })
                Add(name, new SysAttribute(owner, owner.nextIno++, HostText(name) ?? "0\n", mounted));
            foreach (string name in HostCpuDirectories()) Directory(name, mounted);
        }
    }

    private class SysDirectory : FixedDirectory
    {
        private readonly SysSuperBlock fs;

        public SysDirectory(SysSuperBlock sb, ulong ino, Timespec time, uint permissions = 0x1ED) : base(sb, ino, time, permissions)
        {
            fs = sb;
        }

        /// <summary>The subdirectory <paramref name="name"/>, made if it is not there yet.</summary>
        public SysDirectory Directory(string name, Timespec now)
        {
            if (Child(name) is SysDirectory known) return known;
            var made = new SysDirectory(fs, fs.nextIno++, now);
            Add(name, made);
            return made;
        }
    }

    /// <summary>A read-only attribute: 0444, 4096 bytes as stat sees it, its text rendered at each open.</summary>
    private sealed class SysAttribute : Inode
    {
        private readonly byte[] content;
        private readonly Timespec time;

        public SysAttribute(SuperBlock sb, ulong ino, string text, Timespec time) : base(sb, ino)
        {
            content = System.Text.Encoding.ASCII.GetBytes(text);
            this.time = time;
        }

        public override uint Mode => FileMode.S_IFREG | 0x124; // 0444
        public override long Size => 4096;
        public override Timespec Atime => time;
        public override Timespec Mtime => time;
        public override Timespec Ctime => time;
        public override bool IsVolatile => true;

        public override Result<int> Read(long offset, Span<byte> buffer)
        {
            if (offset >= content.Length) return 0;
            int n = (int)Math.Min(buffer.Length, content.Length - offset);
            content.AsSpan((int)offset, n).CopyTo(buffer);
            return n;
        }
    }
}
