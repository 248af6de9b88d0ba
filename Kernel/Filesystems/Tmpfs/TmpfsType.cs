using System.Globalization;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Extensions;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Filesystems.Tmpfs;

/// <summary>"tmpfs": a new empty filesystem whose bytes go to the run's content store; takes mode= (octal) for its root.</summary>
public sealed class TmpfsType : FileSystemType
{
    public override string Name => "tmpfs";

    public override Result<SuperBlock> Mount(MountRequest request)
    {
        uint mode = 0x3FF; // 01777, as Linux's default for a tmpfs root
        foreach ((string name, string? value) in request.ParsedOptions)
        {
            if (name == "mode" && value != null)
            {
                if (!uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _)) return Errno.EINVAL;
                try { mode = System.Convert.ToUInt32(value, 8) & 0xFFF; }
                catch (System.FormatException) { return Errno.EINVAL; }
            }
            // size=, nr_inodes=, uid=, gid= and the rest: the store's own bound applies.
        }
        return new TmpfsSuperBlock(request.Device, request.Kernel.Store, mode);
    }
}
