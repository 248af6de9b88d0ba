using System;

namespace UserKernel.RootFs.Writer;

/// <summary>Where mapping builders get metadata blocks and write them.</summary>
internal interface IBlockStore
{
    /// <summary>One newly allocated block.</summary>
    ulong AllocateBlock();

    /// <summary>Writes a whole block.</summary>
    void WriteBlock(ulong block, ReadOnlySpan<byte> data);
}
