using System;
using System.Text;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using Xunit;

namespace UserKernel.Kernel.Tests;

public class GuestMemoryTests
{
    [Fact]
    public void ReadCString_stops_at_the_terminator()
    {
        var memory = new FakeGuestMemory();
        Encoding.ASCII.GetBytes("/etc/passwd\0junk").CopyTo(memory.Bytes, 100);
        Assert.True(memory.ReadCString(new GuestPtr(FakeGuestMemory.Base + 100)).TryGet(out byte[]? s, out _));
        Assert.Equal("/etc/passwd", Encoding.ASCII.GetString(s));
    }

    [Fact]
    public void ReadCString_without_terminator_within_PATH_MAX_is_ENAMETOOLONG()
    {
        var memory = new FakeGuestMemory();
        memory.Bytes.AsSpan(0, 8000).Fill((byte)'a');
        Assert.Equal(Errno.ENAMETOOLONG, memory.ReadCString(new GuestPtr(FakeGuestMemory.Base)).Error);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(4095)]
    [InlineData(4096)]
    [InlineData(5000)]
    public void ReadCString_into_a_buffer_answers_as_the_allocating_one(int length)
    {
        // Arrange: a string that starts near the end of a page, so reads cross it.
        var memory = new FakeGuestMemory();
        var at = new GuestPtr(FakeGuestMemory.Base + 4000);
        memory.Bytes.AsSpan(4000, length).Fill((byte)'b');
        memory.Bytes[4000 + length] = 0;
        byte[] buffer = new byte[GuestMemoryExtensions.PATH_MAX];

        // Act
        Result<byte[]> allocated = memory.ReadCString(at);
        Result<int> intoBuffer = memory.ReadCString(at, buffer);

        // Assert
        Assert.Equal(allocated.Error, intoBuffer.Error);
        if (allocated.TryGet(out byte[]? expected, out _))
        {
            Assert.True(intoBuffer.TryGet(out int n, out _));
            Assert.Equal(expected, buffer.AsSpan(0, n).ToArray());
        }
        Assert.Equal(Errno.EFAULT, memory.ReadCString(GuestPtr.Null, buffer).Error);
    }

    [Fact]
    public void Unmapped_addresses_are_EFAULT_not_exceptions()
    {
        var memory = new FakeGuestMemory();
        Assert.Equal(Errno.EFAULT, memory.ReadCString(new GuestPtr(8)).Error);
        Assert.Equal(Errno.EFAULT, memory.ReadCString(GuestPtr.Null).Error);
        Assert.Equal(Errno.EFAULT, memory.Write(new GuestPtr(FakeGuestMemory.Base + 65530), new byte[16]));
    }

    [Fact]
    public void ReadStringArray_reads_until_the_null_pointer()
    {
        var memory = new FakeGuestMemory();
        Encoding.ASCII.GetBytes("sh\0-c\0").CopyTo(memory.Bytes, 0);
        memory.WriteUInt64(new GuestPtr(FakeGuestMemory.Base + 64), FakeGuestMemory.Base);
        memory.WriteUInt64(new GuestPtr(FakeGuestMemory.Base + 72), FakeGuestMemory.Base + 3);
        memory.WriteUInt64(new GuestPtr(FakeGuestMemory.Base + 80), 0);
        Assert.True(memory.ReadStringArray(new GuestPtr(FakeGuestMemory.Base + 64)).TryGet(out var list, out _));
        Assert.Equal(["sh", "-c"], list.ConvertAll(b => Encoding.ASCII.GetString(b)));
    }
}
