using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Sources;

/// <summary>
/// Checks what System.Formats.Tar takes on trust in a tar archive's 512-byte blocks: every header's checksum and
/// numeric fields, and the archive's end (two zero blocks, then nothing but zeros). The reader checks no
/// checksum, and it takes any block whose checksum field is empty or zero for the end of the archive, so
/// without these checks a damaged archive reads as a shorter one, often as an empty one.
/// Everything wrong is an <see cref="ImageFormatException"/> naming the offset in the (uncompressed) archive.
/// </summary>
internal static class TarBlocks
{
    public const int Size = 512;

    private const int ChecksumOffset = 148;
    private const int ChecksumLength = 8;
    private const int TypeOffset = 156;

    // The numeric fields every header has, as (name, offset, length).
    private static readonly (string Name, int Offset, int Length)[] NumericFields =
    [
        ("mode", 100, 8), ("uid", 108, 8), ("gid", 116, 8), ("size", 124, 12), ("mtime", 136, 12),
    ];

    /// <summary>A header among recorded blocks: where it starts in them, its type flag and its size field.</summary>
    public readonly record struct Header(int Start, byte Type, long Size)
    {
        /// <summary>Where the data after the header starts in the recorded blocks.</summary>
        public int DataStart => Start + TarBlocks.Size;
    }

    /// <summary>How many padding bytes lie between <paramref name="offset"/> and the next block boundary.</summary>
    public static int PaddingAt(long offset) => (int)((Size - offset % Size) % Size);

    public static bool IsZero(ReadOnlySpan<byte> bytes) => !bytes.ContainsAnyExcept((byte)0);

    /// <summary>
    /// Walks the bytes the tar reader read for one entry, <paramref name="blocks"/>, which start at offset
    /// <paramref name="start"/> of the archive: the padding after the previous entry's data, then headers, those of
    /// the metadata kinds ('x', 'g', 'L', 'K') followed by their data. Every header is checked; an all-zero block
    /// ends the walk, and <paramref name="zeroBlock"/> is where it lies in <paramref name="blocks"/> (-1 if none).
    /// </summary>
    public static List<Header> Walk(ReadOnlySpan<byte> blocks, long start, out int zeroBlock)
    {
        var headers = new List<Header>();
        zeroBlock = -1;
        long pos = PaddingAt(start);
        while (pos + Size <= blocks.Length)
        {
            var block = blocks.Slice((int)pos, Size);
            if (IsZero(block))
            {
                zeroBlock = (int)pos;
                break;
            }
            long size = CheckHeader(block, start + pos);
            byte type = block[TypeOffset];
            headers.Add(new Header((int)pos, type, size));
            pos += Size;
            if (type is (byte)'x' or (byte)'g' or (byte)'L' or (byte)'K')
                pos += (size + Size - 1) / Size * Size;
        }
        return headers;
    }

    /// <summary>
    /// Checks one header block at offset <paramref name="offset"/> of the archive: its checksum (the unsigned sum of
    /// its bytes with the checksum field as spaces, or the signed sum old tars wrote) and that its mode, uid, gid,
    /// size and mtime are numbers (octal, or GNU's base-256). Returns the size field.
    /// </summary>
    public static long CheckHeader(ReadOnlySpan<byte> block, long offset)
    {
        if (!TryParseNumber(block.Slice(ChecksumOffset, ChecksumLength), out long stored, out bool empty) || empty)
        {
            string what = empty ? "no checksum" : $"a checksum field that is not a number ({Printable(block.Slice(ChecksumOffset, ChecksumLength))})";
            throw Corrupt($"the header at offset {offset} has {what}: this is not a tar header (a damaged archive, or not a tar at all)");
        }
        long unsigned = 0, signed = 0;
        for (int i = 0; i < Size; i++)
        {
            byte b = i is >= ChecksumOffset and < ChecksumOffset + ChecksumLength ? (byte)' ' : block[i];
            unsigned += b;
            signed += (sbyte)b;
        }
        if (stored != unsigned && stored != signed)
            throw Corrupt($"the header at offset {offset} has a bad checksum: it says {Convert.ToString(stored, 8)} (octal), its bytes sum to {Convert.ToString(unsigned, 8)}");
        long size = 0;
        foreach (var (name, at, length) in NumericFields)
        {
            var field = block.Slice(at, length);
            if (!TryParseNumber(field, out long value, out _) || (name == "size" && value < 0))
                throw Corrupt($"the header of '{EntryName(block)}' at offset {offset}: its {name} field ({Printable(field)}) is not an octal number");
            if (name == "size")
                size = value;
        }
        return size;
    }

    /// <summary>
    /// Checks the end of an archive whose first zero block starts at offset <paramref name="zeroOffset"/>:
    /// <paramref name="after"/> (bytes already read past that block) and then the rest of <paramref name="rest"/>
    /// must hold a second zero block and nothing but zeros after it (the padding to a whole record). Reads
    /// <paramref name="rest"/> to its end, so a compressed stream's trailer is checked too.
    /// </summary>
    public static void CheckEnd(long zeroOffset, ReadOnlySpan<byte> after, Stream rest)
    {
        long at = zeroOffset + Size;
        CheckZeros(after, ref at, zeroOffset);
        var buffer = new byte[1 << 16];
        int n;
        while ((n = rest.Read(buffer)) > 0)
            CheckZeros(buffer.AsSpan(0, n), ref at, zeroOffset);
        if (at < zeroOffset + 2 * Size)
            throw Corrupt($"truncated: it ends at offset {at}, inside the two zero blocks that end a tar archive");
    }

    private static void CheckZeros(ReadOnlySpan<byte> bytes, ref long at, long zeroOffset)
    {
        int nonZero = bytes.IndexOfAnyExcept((byte)0);
        if (nonZero >= 0)
        {
            long where = at + nonZero;
            throw Corrupt(where < zeroOffset + 2 * Size
                ? $"the zero block at offset {zeroOffset} is not followed by a second one (offset {where} holds data): a damaged archive, not its end"
                : $"there is data at offset {where}, after the end of the archive at offset {zeroOffset + 2 * Size}");
        }
        at += bytes.Length;
    }

    /// <summary>
    /// Parses a numeric field as System.Formats.Tar does (leading spaces and NULs skipped, the number ends at a
    /// NUL, trailing spaces allowed) but without throwing; GNU's base-256 form (first byte 0x80 or 0xFF) too.
    /// </summary>
    public static bool TryParseNumber(ReadOnlySpan<byte> field, out long value, out bool empty)
    {
        value = 0;
        empty = false;
        if (field.Length > 0 && field[0] is 0x80 or 0xFF)
        {
            // Big-endian two's complement in the remaining bytes.
            bool negative = field[0] == 0xFF;
            var rest = field[1..];
            int significant = rest.IndexOfAnyExcept(negative ? (byte)0xFF : (byte)0);
            if (significant >= 0 && rest.Length - significant > 8)
                return false;
            long big = negative ? -1 : 0;
            foreach (byte b in rest)
                big = big << 8 | b;
            value = big;
            return negative ? big < 0 : big >= 0;
        }
        int start = 0;
        while (start < field.Length && field[start] is (byte)' ' or 0)
            start++;
        var digits = field[start..];
        int nul = digits.IndexOf((byte)0);
        if (nul >= 0)
            digits = digits[..nul];
        digits = digits.TrimEnd((byte)' ');
        empty = digits.IsEmpty;
        foreach (byte b in digits)
        {
            if (b is < (byte)'0' or > (byte)'7' || value > long.MaxValue >> 3)
                return false;
            value = value << 3 | (long)(b - '0');
        }
        return true;
    }

    public static ImageFormatException Corrupt(string what, Exception? inner = null) =>
        inner is null ? new("corrupt tar archive: " + what) : new("corrupt tar archive: " + what, inner);

    /// <summary>The name field of a header, for messages.</summary>
    private static string EntryName(ReadOnlySpan<byte> block)
    {
        var name = block[..100];
        int nul = name.IndexOf((byte)0);
        return Printable(nul >= 0 ? name[..nul] : name, quote: false);
    }

    /// <summary>Bytes as text for a one-line message: printable ASCII as it is, anything else as \xNN.</summary>
    private static string Printable(ReadOnlySpan<byte> bytes, bool quote = true)
    {
        var text = new StringBuilder(quote ? "\"" : "");
        foreach (byte b in bytes)
        {
            if (b is >= 0x20 and < 0x7F and not (byte)'\\' and not (byte)'"')
                text.Append((char)b);
            else
                text.Append(b == 0 ? "\\0" : $"\\x{b:x2}");
        }
        return text.Append(quote ? "\"" : "").ToString();
    }
}
