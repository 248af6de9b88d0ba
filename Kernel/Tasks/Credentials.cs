namespace UserKernel.Kernel.Tasks;

/// <summary>The guest identity of a thread group. The guest runs as root unless told otherwise.</summary>
public sealed record Credentials(uint Uid, uint Gid)
{
    public static readonly Credentials Root = new(0, 0);
}
