using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Syscalls;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Extensions;

/// <summary>A character device the kernel knows, with the number its nodes carry and who provided it.</summary>
public sealed record RegisteredDevice(CharacterDevice Device, ulong Rdev, string Owner);

/// <summary>
/// The kernel's registry of filesystem types, character devices and extension syscall rows (Linux's
/// register_filesystem, misc_register and, for syscalls, the table itself). The built-in filesystems register here first
/// (as "kernel"), then each extension; a name taken twice is the second one's error.
/// </summary>
public sealed class KernelRegistry
{
    /// <summary>The misc devices' major number; the kernel's devices take minors from here up.</summary>
    public const uint MiscMajor = 10, FirstMinor = 200;

    private readonly Dictionary<string, (FileSystemType Type, string Owner)> filesystems = new(StringComparer.Ordinal);
    private readonly List<RegisteredDevice> devices = new();
    private readonly Dictionary<Assembly, string> extensionAssemblies = new();
    private readonly List<(SyscallEntry Row, string Owner)> syscalls = new();

    /// <summary>Who is registering now: "kernel", or the extension whose <see cref="IKernelExtension.Register"/> runs.</summary>
    private string owner = "kernel";

    public IReadOnlyList<RegisteredDevice> Devices => devices;

    /// <summary>The extension rows, to install in the syscall table before the filter is made.</summary>
    public IReadOnlyList<(SyscallEntry Row, string Owner)> Syscalls => syscalls;

    /// <summary>The names of the loaded extensions.</summary>
    public IEnumerable<string> Extensions => extensionAssemblies.Values;

    /// <summary>
    /// The registry with the built-in filesystem types, then each extension's filesystems, devices and syscalls. The
    /// extensions' rows go into the syscall table, and their devices' ioctl requests into the filter, from here: before
    /// the first guest starts. An extension whose registration throws is an <see cref="ExtensionLoadException"/>.
    /// </summary>
    public static KernelRegistry Build(IReadOnlyList<LoadedExtension> extensions)
    {
        var registry = new KernelRegistry();
        registry.RegisterFilesystem(new Filesystems.Tmpfs.TmpfsType());
        registry.RegisterFilesystem(new Filesystems.Proc.ProcType());
        registry.RegisterFilesystem(new Filesystems.Dev.DevtmpfsType());
        registry.RegisterFilesystem(new Filesystems.Sys.SysfsType());
        foreach (LoadedExtension extension in extensions)
        {
            try { registry.Load(extension.Extension, extension.Name); }
            catch (Exception ex)
            {
                throw new ExtensionLoadException($"--extension {extension.Path}: {extension.Name} could not register: {ex.GetType().Name}: {ex.Message}", ex);
            }
        }
        foreach (var (row, _) in registry.Syscalls) SyscallTable.Install(row);
        var requests = new List<uint>();
        foreach (RegisteredDevice d in registry.Devices) requests.AddRange(d.Device.IoctlRequests);
        SyscallTable.StopIoctlAlsoFor(requests);
        return registry;
    }

    /// <summary>Adds a filesystem type. Throws if the name is taken (by the kernel or another extension).</summary>
    public void RegisterFilesystem(FileSystemType type)
    {
        if (string.IsNullOrEmpty(type.Name) || type.Name.Contains(':') || type.Name.Contains(','))
            throw new ArgumentException($"a filesystem type needs a name without ':' or ',' (got '{type.Name}')");
        if (filesystems.TryGetValue(type.Name, out var taken))
            throw new ArgumentException($"filesystem type '{type.Name}' is already registered by {taken.Owner}");
        filesystems[type.Name] = (type, owner);
    }

    /// <summary>Adds a character device at /dev/NAME with the next free misc minor. Throws if the name is taken.</summary>
    public void RegisterDevice(CharacterDevice device)
    {
        if (string.IsNullOrEmpty(device.Name) || device.Name.Contains('/') || device.Name is "." or "..")
            throw new ArgumentException($"a device needs a file name (got '{device.Name}')");
        if (Filesystems.Dev.DevSuperBlock.IsBuiltinName(device.Name))
            throw new ArgumentException($"/dev/{device.Name} is the kernel's own");
        foreach (RegisteredDevice d in devices)
            if (d.Device.Name == device.Name) throw new ArgumentException($"device '{device.Name}' is already registered by {d.Owner}");
        devices.Add(new RegisteredDevice(device, SuperBlock.MakeDev(MiscMajor, FirstMinor + (uint)devices.Count), owner));
    }

    /// <summary>
    /// Adds or replaces the row of syscall <paramref name="number"/>: the handler runs at the call's stop (a ptrace stop, so
    /// it may read and write the caller's memory and registers through the context), and `userkernel syscalls` shows it
    /// as emulated by this extension. The rows of the kernel's process machinery cannot be replaced.
    /// </summary>
    public void RegisterSyscall(int number, string name, SyscallHandler handler, string note, SyscallClass cls = SyscallClass.Other, ArgFormat[]? args = null)
    {
        if (number < 0 || number > 1023) throw new ArgumentOutOfRangeException(nameof(number), "syscall numbers run from 0 to 1023");
        if (SyscallTable.Lookup(number) is { } existing && SyscallTable.IsKernelMachinery(existing))
            throw new ArgumentException($"syscall {existing.Name} is the kernel's own machinery and cannot be replaced");
        foreach (var (row, by) in syscalls)
            if (row.Number == number) throw new ArgumentException($"syscall {number} is already registered by {by}");
        syscalls.Add((new SyscallEntry(number, name, Disposition.Emulate, handler, args ?? [], note) { Class = cls, Extension = owner }, owner));
    }

    /// <summary>The filesystem type called <paramref name="name"/>, or null.</summary>
    public FileSystemType? FindFilesystem(string name) => filesystems.TryGetValue(name, out var t) ? t.Type : null;

    /// <summary>The names of every filesystem type, for /proc/filesystems.</summary>
    public IEnumerable<string> FilesystemNames => filesystems.Keys;

    /// <summary>Who registered the filesystem type <paramref name="name"/>.</summary>
    public string? OwnerOfFilesystem(string name) => filesystems.TryGetValue(name, out var t) ? t.Owner : null;

    /// <summary>The device whose nodes carry <paramref name="rdev"/>, or null.</summary>
    public RegisteredDevice? FindDevice(ulong rdev)
    {
        foreach (RegisteredDevice d in devices)
            if (d.Rdev == rdev) return d;
        return null;
    }

    /// <summary>Runs one extension's registration, naming what it adds after <paramref name="name"/>.</summary>
    public void Load(IKernelExtension extension, string name)
    {
        extensionAssemblies[extension.GetType().Assembly] = name;
        owner = name;
        try { extension.Register(this); }
        finally { owner = "kernel"; }
    }

    /// <summary>
    /// The extension whose code threw <paramref name="exception"/> (the innermost frame of an extension's assembly), or
    /// null if the kernel's own code did: an extension's error is reported under its name, the kernel's as a kernel bug.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "extensions are loaded only by the JIT build, never trimmed")]
    public string? ExtensionOf(Exception exception)
    {
        if (extensionAssemblies.Count == 0) return null;
        for (Exception? e = exception; e != null; e = e.InnerException)
            foreach (StackFrame frame in new StackTrace(e, false).GetFrames())
                if (frame.GetMethod()?.DeclaringType?.Assembly is { } assembly && extensionAssemblies.TryGetValue(assembly, out string? name))
                    return name;
        return null;
    }
}
