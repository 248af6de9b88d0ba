using UserKernel.Kernel.Extensions;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Filesystems.Dev;

/// <summary>"devtmpfs": the guest's /dev (<see cref="DevSuperBlock"/>), with a node for each device the kernel has.</summary>
public sealed class DevtmpfsType : FileSystemType
{
    public override string Name => "devtmpfs";

    public override Result<SuperBlock> Mount(MountRequest request) =>
        new DevSuperBlock(request.Device, request.Kernel.Terminals, request.Kernel.Registry.Devices);
}
