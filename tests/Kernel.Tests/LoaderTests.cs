using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Text;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Loader;
using Xunit;

namespace UserKernel.Kernel.Tests;

public class LoaderTests
{
    [Theory]
    [InlineData("#!/bin/sh\necho", "/bin/sh", null)]
    [InlineData("#! /bin/sh -e \n", "/bin/sh", "-e")]
    [InlineData("#!/usr/bin/env python3 -u\n", "/usr/bin/env", "python3 -u")]
    public void Shebang_lines_parse_as_binfmt_script_does(string head, string interpreter, string? argument)
    {
        Shebang? s = Shebang.Parse(Encoding.ASCII.GetBytes(head));
        Assert.NotNull(s);
        Assert.Equal(interpreter, s.Value.Interpreter);
        Assert.Equal(argument, s.Value.Argument);
    }

    [Theory]
    [InlineData("#!\n")]
    [InlineData("#!   \n")]
    [InlineData("echo hi")]
    public void Not_a_script(string head) => Assert.Null(Shebang.Parse(Encoding.ASCII.GetBytes(head)));

    [Fact]
    public void Initial_stack_is_aligned_and_points_at_its_strings()
    {
        const ulong top = 0x7fff_0000_0000;
        var argv = new List<byte[]> { "prog"u8.ToArray(), "arg"u8.ToArray() };
        var envp = new List<byte[]> { "PATH=/bin"u8.ToArray() };
        var auxv = new List<(ulong, ulong)> { (Auxv.AT_PAGESZ, 4096), (Auxv.AT_EXECFN, 0), (Auxv.AT_RANDOM, 0) };
        (ulong sp, byte[] bytes) = InitialStack.Build(top, argv, envp, auxv, "/bin/prog"u8.ToArray(), new byte[16]);

        Assert.Equal(0UL, sp % 16);
        Assert.Equal((ulong)bytes.Length, top - sp);
        ulong Word(int i) => BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i * 8));
        string Str(ulong at) { int o = (int)(at - sp); int end = System.Array.IndexOf(bytes, (byte)0, o); return Encoding.ASCII.GetString(bytes, o, end - o); }
        Assert.Equal(2UL, Word(0));
        Assert.Equal("prog", Str(Word(1)));
        Assert.Equal("arg", Str(Word(2)));
        Assert.Equal(0UL, Word(3));
        Assert.Equal("PATH=/bin", Str(Word(4)));
        Assert.Equal(0UL, Word(5));
        Assert.Equal(Auxv.AT_PAGESZ, Word(6));
        Assert.Equal(Auxv.AT_EXECFN, Word(8));
        Assert.Equal("/bin/prog", Str(Word(9)));
    }
}
