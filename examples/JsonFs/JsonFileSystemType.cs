using System.Text.Json;
using UserKernel.Kernel;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Extensions;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Examples.JsonFs;

/// <summary>
/// "jsonfs": mounts a JSON document read-only. The source is the document: a host file for
/// <c>--mount jsonfs:/data:source=FILE</c>, a file of the guest's own tree for <c>mount -t jsonfs FILE /data</c>.
/// </summary>
public sealed class JsonFileSystemType : FileSystemType
{
    public override string Name => "jsonfs";

    public override Result<SuperBlock> Mount(MountRequest request)
    {
        foreach ((string name, _) in request.ParsedOptions)
            if (name != "ro") return Errno.EINVAL; // jsonfs takes no options
        if (!request.ReadSource().TryGet(out byte[]? bytes, out Errno e)) return e;
        JsonDocument document;
        try { document = JsonDocument.Parse(bytes); }
        catch (JsonException) { return Errno.EINVAL; } // not JSON: as mount(2) says of a bad superblock
        return new JsonSuperBlock(request.Device, document);
    }
}
