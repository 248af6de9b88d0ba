using UserKernel.Kernel.Extensions;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Filesystems.Proc;

/// <summary>"proc": the kernel's view of its processes (<see cref="ProcSuperBlock"/>); every instance shows the same state.</summary>
public sealed class ProcType : FileSystemType
{
    public override string Name => "proc";

    public override Result<SuperBlock> Mount(MountRequest request) => new ProcSuperBlock(request.Kernel, request.Device);
}
