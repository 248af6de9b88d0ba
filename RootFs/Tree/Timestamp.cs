using System;

namespace UserKernel.RootFs.Tree;

/// <summary>A file time as the kernel keeps it: seconds since the epoch and nanoseconds.</summary>
public readonly record struct Timestamp(long Seconds, uint Nanoseconds)
{
    public static Timestamp Now => FromDateTimeOffset(DateTimeOffset.UtcNow);

    public static Timestamp FromDateTimeOffset(DateTimeOffset when)
    {
        long ticks = when.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rest);
        if (rest < 0)
        {
            seconds--;
            rest += TimeSpan.TicksPerSecond;
        }
        return new Timestamp(seconds, (uint)(rest * 100));
    }

    public DateTimeOffset ToDateTimeOffset() =>
        DateTimeOffset.UnixEpoch.AddTicks(Seconds * TimeSpan.TicksPerSecond + Nanoseconds / 100);
}
