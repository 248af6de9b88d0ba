using System;
using System.Collections.Generic;
using System.Linq;
using UserKernel.Kernel;
using UserKernel.Kernel.Filesystems.HostBind;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;
using Errno = UserKernel.Kernel.Abi.Errno;

namespace UserKernel.Tools.Commands.Runtime;

/// <summary>
/// config.json's "mounts", in order: binds of host directories and files (ro honoured), tmpfs anywhere; proc, sysfs,
/// devpts, mqueue and the /dev tmpfs are the kernel's own and already there. Whatever cannot be honoured is a warning
/// in the runtime log, never dropped without a word.
/// </summary>
internal static class SpecMounts
{
    public static void Mount(GuestKernel kernel, BundleSpec spec, RuntimeLog log)
    {
        uint minor = 0x40;
        foreach (SpecMount m in spec.Mounts)
        {
            bool bind = m.Type is "bind" or "rbind" || m.Options.Contains("bind") || m.Options.Contains("rbind");
            if (!m.Destination.StartsWith('/')) throw new UsageException($"mount destination '{m.Destination}' is not an absolute path");
            if (!bind && KernelProvides(m))
            {
                log.Info($"mount {m.Type} on {m.Destination}: the kernel's own");
                continue;
            }
            if (bind)
            {
                if (!HostBindSuperBlock.Open(m.Source, m.ReadOnly, SuperBlock.MakeDev(0, minor++), directoryOnly: false).TryGet(out HostBindSuperBlock? fs, out Errno e))
                    throw new UsageException($"mount {m.Source} on {m.Destination}: cannot open the host source: {e}");
                if (MountPoint(kernel, m.Destination, fs.Root.IsDirectory, log) is { } at) kernel.Mounts.Mount(at, fs);
            }
            else if (kernel.Registry.FindFilesystem(m.Type) != null)
            {
                // tmpfs, proc, sysfs elsewhere than the kernel puts them: mounted as mount(2) would, taking the mode.
                var options = new List<string>();
                foreach (string o in m.Options)
                    if (o.StartsWith("mode=", StringComparison.Ordinal) || o == "ro") options.Add(o);
                    else if (o.StartsWith("size=", StringComparison.Ordinal)) log.Info($"{m.Type} on {m.Destination}: {o} is not its own bound; all tmpfs share the store's size");
                if (MountPoint(kernel, m.Destination, directory: true, log) is { } at &&
                    kernel.MountFilesystem(m.Type, at, m.Source, string.Join(',', options), Credentials.Root) is var e && e != Errno.OK)
                    throw new UsageException($"mount {m.Type} on {m.Destination}: {UserKernel.Kernel.Abi.ErrnoNames.Message(e)}");
            }
            else if (m.Type is "cgroup" or "cgroup2") log.Warn($"mount {m.Type} on {m.Destination}: the kernel has no cgroup hierarchy to show; not mounted");
            else log.Warn($"mount type '{m.Type}' on {m.Destination} is not supported by the user-space kernel; not mounted");
        }
    }

    /// <summary>The filesystems the kernel mounts itself where a container expects them.</summary>
    private static bool KernelProvides(SpecMount m) => (m.Type, m.Destination) switch
    {
        ("proc", "/proc") or ("sysfs", "/sys") or ("devpts", "/dev/pts") or ("mqueue", "/dev/mqueue") or ("tmpfs", "/dev") => true,
        _ => false,
    };

    /// <summary>The guest's node at <paramref name="path"/>, made (with its parents) if the root is writable; null with a warning otherwise.</summary>
    private static Dentry? MountPoint(GuestKernel kernel, string path, bool directory, RuntimeLog log)
    {
        Dentry at = kernel.Mounts.Root;
        string[] parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < parts.Length; i++)
        {
            bool last = i == parts.Length - 1;
            string prefix = "/" + string.Join('/', parts, 0, i + 1);
            if (kernel.Walk.Resolve(Credentials.Root, kernel.Mounts.Root, prefix, true).TryGet(out Dentry? next, out _)) { at = next; continue; }
            Result<Inode> made = last && !directory
                ? at.Inode.Create(parts[i], Kernel.Abi.FileMode.S_IFREG | 0x1A4, 0, 0)
                : at.Inode.Mkdir(parts[i], 0x1ED, 0, 0);
            if (!made.Ok || !kernel.Walk.Resolve(Credentials.Root, kernel.Mounts.Root, prefix, true).TryGet(out next, out _))
            {
                log.Warn($"mount on {path}: cannot make the mount point {prefix} in the container's root; not mounted");
                return null;
            }
            at = next;
        }
        if (at.Inode.IsDirectory != directory)
        {
            log.Warn($"mount on {path}: the source is {(directory ? "a directory" : "a file")} and the mount point is not; not mounted");
            return null;
        }
        return at;
    }
}
