namespace UserKernel.RootFs.Writer;

/// <summary>Consecutive logical blocks of a file stored in consecutive physical blocks.</summary>
internal readonly record struct DataRun(ulong Logical, ulong Physical, uint Length);
