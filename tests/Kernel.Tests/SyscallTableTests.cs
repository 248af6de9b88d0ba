using System.Collections.Generic;
using System.IO;
using System.Text.RegularExpressions;
using UserKernel.Kernel.Syscalls;
using Xunit;

namespace UserKernel.Kernel.Tests;

public class SyscallTableTests
{
    [Fact]
    public void Every_row_that_stops_has_a_handler_or_says_ENOSYS()
    {
        foreach (SyscallEntry row in SyscallTable.Rows)
        {
            if (row.Disposition is Disposition.Emulate or Disposition.Forward) Assert.True(row.Handler != null, row.Name);
            if (row.Disposition is Disposition.Passthrough or Disposition.Unimplemented) Assert.True(row.Handler == null, row.Name);
        }
    }

    [Fact]
    public void Names_and_numbers_match_the_host_headers()
    {
        const string header = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h";
        Assert.True(File.Exists(header), "needs the Linux UAPI headers (apt-get install linux-libc-dev)");
        var expected = new Dictionary<int, string>();
        foreach (string line in File.ReadLines(header))
        {
            Match m = Regex.Match(line, @"^#define __NR_(\w+) (\d+)$");
            if (m.Success) expected[int.Parse(m.Groups[2].Value)] = m.Groups[1].Value;
        }
        Assert.True(expected.Count > 300);
        foreach ((int nr, string name) in expected)
        {
            SyscallEntry? row = SyscallTable.Lookup(nr);
            Assert.True(row != null, $"no row for {name} ({nr})");
            Assert.Equal(name, row.Name);
        }
    }

    [Theory]
    [InlineData("openat")]
    [InlineData("execve")]
    [InlineData("getpid")]
    [InlineData("mount")]
    [InlineData("io_uring_setup")]
    [InlineData("process_vm_readv")]
    public void Calls_that_see_the_guests_world_never_pass_through(string name)
    {
        foreach (SyscallEntry row in SyscallTable.Rows)
            if (row.Name == name) Assert.NotEqual(Disposition.Passthrough, row.Disposition);
    }
}
