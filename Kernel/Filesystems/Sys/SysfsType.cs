using UserKernel.Kernel.Extensions;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Filesystems.Sys;

/// <summary>"sysfs": the CPU facts C libraries read (<see cref="SysSuperBlock"/>).</summary>
public sealed class SysfsType : FileSystemType
{
    public override string Name => "sysfs";

    public override Result<SuperBlock> Mount(MountRequest request) => new SysSuperBlock(request.Device);
}
