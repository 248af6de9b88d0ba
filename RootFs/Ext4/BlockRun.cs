namespace UserKernel.RootFs.Ext4;

/// <summary>
/// What a file's block mapping says about the logical block asked for and those after it:
/// <see cref="Count"/> blocks either stored at consecutive physical blocks from
/// <see cref="Physical"/>, or reading as zeros (a hole, or an unwritten extent).
/// </summary>
internal readonly struct BlockRun
{
    private BlockRun(ulong physical, ulong count)
    {
        Physical = physical;
        Count = count;
    }

    /// <summary>The first physical block; 0 when the run reads as zeros (block 0 never holds file data).</summary>
    public ulong Physical { get; }

    /// <summary>Blocks in the run, at least 1. Holes past the last mapped block are "endless".</summary>
    public ulong Count { get; }

    public bool IsZeros => Physical == 0;

    /// <summary>A run with no end in sight: past the last extent or beyond what a block map can address.</summary>
    public static BlockRun Endless => new(0, ulong.MaxValue >> 20);

    public static BlockRun Zeros(ulong count) => new(0, count);

    public static BlockRun Mapped(ulong physical, ulong count) => new(physical, count);
}
