namespace UserKernel.Kernel.Vfs;

/// <summary>A time as Linux stores it: seconds since the epoch and nanoseconds.</summary>
public readonly record struct Timespec(long Seconds, uint Nanoseconds);
