namespace UserKernel.Kernel.Vfs;

/// <summary>A time as Linux stores it: seconds since the epoch and nanoseconds.</summary>
public readonly record struct Timespec(long Seconds, uint Nanoseconds)
{
    /// <summary>The current time, for the times a change sets.</summary>
    public static Timespec Now()
    {
        long ticks = System.DateTime.UtcNow.Ticks - System.DateTime.UnixEpoch.Ticks;
        return new Timespec(ticks / System.TimeSpan.TicksPerSecond, (uint)(ticks % System.TimeSpan.TicksPerSecond * 100));
    }

    /// <summary>The later of two times.</summary>
    public static Timespec Max(Timespec a, Timespec b) =>
        a.Seconds > b.Seconds || (a.Seconds == b.Seconds && a.Nanoseconds >= b.Nanoseconds) ? a : b;
}
