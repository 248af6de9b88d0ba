using System;

namespace UserKernel.Kernel.Vfs;

/// <summary>A regular file whose bytes the kernel holds in memory (the stub program, synthetic files).</summary>
public sealed class MemoryInode : Inode
{
    private readonly byte[] content;

    public MemoryInode(SuperBlock superBlock, ulong ino, byte[] content, uint mode) : base(superBlock, ino)
    {
        this.content = content;
        Mode = mode;
    }

    public override uint Mode { get; }
    public override long Size => content.Length;

    public override Result<int> Read(long offset, Span<byte> buffer)
    {
        if (offset >= content.Length) return 0;
        int n = (int)Math.Min(buffer.Length, content.Length - offset);
        content.AsSpan((int)offset, n).CopyTo(buffer);
        return n;
    }
}
