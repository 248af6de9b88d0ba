using System;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Loader;

/// <summary>The "#!interpreter [argument]" line of a script, parsed as Linux's binfmt_script does.</summary>
public readonly record struct Shebang(string Interpreter, string? Argument)
{
    /// <summary>Linux reads at most this many bytes of the first line (BINPRM_BUF_SIZE).</summary>
    public const int MaxLine = 256;

    /// <summary>Parses the head of a file; null if it is not a #! script or names no interpreter.</summary>
    public static Shebang? Parse(ReadOnlySpan<byte> head)
    {
        if (head.Length < 2 || head[0] != (byte)'#' || head[1] != (byte)'!') return null;
        ReadOnlySpan<byte> line = head[2..Math.Min(head.Length, MaxLine)];
        int nl = line.IndexOf((byte)'\n');
        if (nl >= 0) line = line[..nl];
        line = line.Trim(" \t"u8);
        if (line.Length == 0) return null;
        int space = line.IndexOfAny(" \t"u8);
        if (space < 0) return new Shebang(Names.FromBytes(line), null);
        ReadOnlySpan<byte> argument = line[space..].Trim(" \t"u8);
        return new Shebang(Names.FromBytes(line[..space]), argument.Length > 0 ? Names.FromBytes(argument) : null);
    }
}
