using System;
using System.Collections.Generic;
using UserKernel.Kernel;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Extensions;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Syscalls;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Tests.Extensions.Probe;

/// <summary>
/// getcpu replaced (cpu 7, node 3); syscall 1001 that throws; "probefs", whose root lists "boom" but whose lookup of it
/// throws; /dev/probe, whose ioctl 0x7001 throws and whose reads throw after the first line.
/// </summary>
public sealed class ProbeExtension : IKernelExtension
{
    public void Register(KernelRegistry registry)
    {
        registry.RegisterSyscall((int)Sysno.getcpu, "getcpu", GetCpu, "cpu 7, node 3, from the probe", args: [ArgFormat.Ptr, ArgFormat.Ptr]);
        registry.RegisterSyscall(1001, "probe_throw", _ => throw new InvalidOperationException("probe syscall threw"), "always throws");
        registry.RegisterFilesystem(new ProbeFsType());
        registry.RegisterDevice(new ProbeDevice());
    }

    private static SyscallResult GetCpu(SyscallContext ctx)
    {
        if (!ctx.PtrArg(0).IsNull && ctx.Memory.WriteInt32(ctx.PtrArg(0), 7) != Errno.OK) return Errno.EFAULT;
        if (!ctx.PtrArg(1).IsNull && ctx.Memory.WriteInt32(ctx.PtrArg(1), 3) != Errno.OK) return Errno.EFAULT;
        return 0;
    }

    private sealed class ProbeFsType : FileSystemType
    {
        public override string Name => "probefs";
        public override Result<SuperBlock> Mount(MountRequest request) =>
            request.Options == "explode" ? throw new InvalidOperationException("mount exploded") : new ProbeSuperBlock(request.Device);
    }

    private sealed class ProbeSuperBlock : SuperBlock
    {
        public ProbeSuperBlock(ulong device) : base(device) { Root = new ProbeRoot(this); }
        public override Inode Root { get; }
        public override string TypeName => "probefs";
        public override long Magic => 0x50524f42;
    }

    private sealed class ProbeRoot(SuperBlock sb) : Inode(sb, 1)
    {
        public override uint Mode => FileMode.S_IFDIR | 0x1ED;
        public override Result<Inode> Lookup(string name) =>
            name == "boom" ? throw new InvalidOperationException("lookup of boom") : Errno.ENOENT;
        public override Result<IReadOnlyList<DirectoryEntry>> ReadDirectory() =>
            DirectoryEntry.InListOrder([new(".", 1, 4), new("..", 1, 4), new("boom", 2, 8)]);
    }

    private sealed class ProbeDevice : CharacterDevice
    {
        public override string Name => "probe";
        public override IReadOnlyList<uint> IoctlRequests => [0x7001];
        public override Result<DeviceFile> Open(DeviceOpen open) =>
            (open.Flags & 3) == 2 ? throw new InvalidOperationException("open for reading and writing") : new ProbeFile();
    }

    private sealed class ProbeFile : DeviceFile
    {
        private bool given;

        public override Result<int> Read(Span<byte> buffer)
        {
            if (given) throw new InvalidOperationException("second read");
            given = true;
            "first line\n"u8.CopyTo(buffer);
            return 11;
        }

        public override Result<long> Ioctl(uint request, ulong argument, IGuestMemory memory) =>
            throw new InvalidOperationException("ioctl threw");
    }
}
