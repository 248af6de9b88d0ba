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

    [Fact]
    public void Stack_areas_for_proc_come_from_the_stack_the_loader_built()
    {
        // Arrange
        const ulong top = 0x7fff_0000_0000;
        var argv = new List<byte[]> { "prog"u8.ToArray(), "arg"u8.ToArray() };
        var envp = new List<byte[]> { "A=1"u8.ToArray(), "PATH=/bin"u8.ToArray() };
        var auxv = new List<(ulong, ulong)> { (Auxv.AT_PAGESZ, 4096), (Auxv.AT_EXECFN, 0) };
        (ulong sp, byte[] bytes) = InitialStack.Build(top, argv, envp, auxv, "/bin/prog"u8.ToArray(), new byte[16]);

        // Act
        StackAreas areas = InitialStack.Areas(sp, bytes);

        // Assert: cmdline and environ are the NUL-separated strings, auxv its pairs up to AT_NULL's
        string Text((ulong Start, ulong End) a) => Encoding.ASCII.GetString(bytes, (int)(a.Start - sp), (int)(a.End - a.Start));
        Assert.Equal("prog\0arg\0", Text(areas.Arguments));
        Assert.Equal("A=1\0PATH=/bin\0", Text(areas.Environment));
        Assert.Equal(sp + 8 * 7, areas.Auxv.Start);
        Assert.Equal(3 * 16UL, areas.Auxv.End - areas.Auxv.Start);
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan((int)(areas.Auxv.End - 16 - sp))));
    }

    [Fact]
    public void Stack_areas_of_an_empty_argv_are_empty()
    {
        (ulong sp, byte[] bytes) = InitialStack.Build(0x7fff_0000_0000, [], [], [(Auxv.AT_PAGESZ, 4096)], "/x"u8.ToArray(), new byte[16]);

        StackAreas areas = InitialStack.Areas(sp, bytes);

        Assert.Equal((0UL, 0UL), areas.Arguments);
        Assert.Equal((0UL, 0UL), areas.Environment);
        Assert.Equal(2 * 16UL, areas.Auxv.End - areas.Auxv.Start);
    }
}
