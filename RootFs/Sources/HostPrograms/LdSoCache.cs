using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Sources.HostPrograms;

/// <summary>
/// /etc/ld.so.cache as ldconfig writes it and the dynamic loader reads it: library names
/// (sonames) to paths. The format "glibc-ld.so.cache1.1" is a 48-byte header (magic and
/// version, nlibs, len_strings, flags, extension offset), nlibs 24-byte entries (flags, key,
/// value, osversion, hwcap) and a string table; key and value are offsets counted from the
/// header. Old caches put it after a libc5-era "ld.so-1.7.0" table, aligned to 8 bytes.
/// </summary>
public sealed class LdSoCache
{
    private const string OldMagic = "ld.so-1.7.0";
    private const string NewMagic = "glibc-ld.so.cache1.1";
    private const int NewHeaderSize = 48;
    private const int NewEntrySize = 24;
    private const int OldHeaderSize = 16;
    private const int OldEntrySize = 12;
    /// <summary>FLAG_ELF_LIBC6: the type bits (FLAG_TYPE_MASK 0xff) of a glibc library.</summary>
    private const int FlagElfLibc6 = 0x0003;
    /// <summary>FLAG_X8664_LIB64: the required-machine bits (FLAG_REQUIRED_MASK 0xff00) of an x86-64 library.</summary>
    private const int FlagX8664Lib64 = 0x0300;

    private readonly Dictionary<string, string> _paths;

    private LdSoCache(Dictionary<string, string> paths) => _paths = paths;

    /// <summary>A cache that knows no library, for a host without /etc/ld.so.cache.</summary>
    public static LdSoCache Empty { get; } = new(new Dictionary<string, string>(StringComparer.Ordinal));

    /// <summary>How many x86-64 libraries the cache names.</summary>
    public int Count => _paths.Count;

    /// <summary>
    /// The path the loader would open for <paramref name="soname"/>, or null. Entries for
    /// glibc-hwcaps subdirectories (nonzero hwcap) are passed over: which of those the loader
    /// picks depends on the CPU, and the baseline library works everywhere.
    /// </summary>
    public string? Lookup(string soname) => _paths.TryGetValue(soname, out var path) ? path : null;

    /// <summary>Reads the cache at <paramref name="path"/>; a missing file gives <see cref="Empty"/>.</summary>
    public static LdSoCache Load(string path) => File.Exists(path) ? Parse(File.ReadAllBytes(path), path) : Empty;

    /// <summary>Parses a cache; a malformed one is an <see cref="ImageFormatException"/> naming <paramref name="where"/>.</summary>
    public static LdSoCache Parse(ReadOnlySpan<byte> bytes, string where)
    {
        int start = 0;
        if (bytes.StartsWith(Encoding.ASCII.GetBytes(OldMagic)))
        {
            if (bytes.Length < OldHeaderSize)
            {
                throw Corrupt(where, "the header is cut short");
            }
            long oldLibs = BinaryPrimitives.ReadUInt32LittleEndian(bytes[12..]);
            long end = OldHeaderSize + oldLibs * OldEntrySize;
            start = (int)Math.Min((end + 7) & ~7L, bytes.Length);
        }
        ReadOnlySpan<byte> cache = bytes[start..];
        if (!cache.StartsWith(Encoding.ASCII.GetBytes(NewMagic)))
        {
            throw Corrupt(where, $"no \"{NewMagic}\" table");
        }
        if (cache.Length < NewHeaderSize)
        {
            throw Corrupt(where, "the header is cut short");
        }
        long nlibs = BinaryPrimitives.ReadUInt32LittleEndian(cache[20..]);
        if (NewHeaderSize + nlibs * NewEntrySize > cache.Length)
        {
            throw Corrupt(where, $"{nlibs} entries do not fit in {cache.Length} bytes");
        }
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < nlibs; i++)
        {
            ReadOnlySpan<byte> entry = cache.Slice(NewHeaderSize + i * NewEntrySize, NewEntrySize);
            int flags = BinaryPrimitives.ReadInt32LittleEndian(entry);
            ulong hwcap = BinaryPrimitives.ReadUInt64LittleEndian(entry[16..]);
            if ((flags & 0xff) != FlagElfLibc6 || (flags & 0xff00) != FlagX8664Lib64 || hwcap != 0)
            {
                continue;
            }
            string key = CString(cache, BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]), where);
            string value = CString(cache, BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]), where);
            // Of several entries for one name the loader takes the first that fits; so does this.
            paths.TryAdd(key, value);
        }
        return new LdSoCache(paths);
    }

    private static string CString(ReadOnlySpan<byte> cache, uint offset, string where)
    {
        if (offset >= cache.Length)
        {
            throw Corrupt(where, $"string offset {offset} is past the end");
        }
        int length = cache[(int)offset..].IndexOf((byte)0);
        if (length < 0)
        {
            throw Corrupt(where, "a string runs past the end");
        }
        return Encoding.UTF8.GetString(cache.Slice((int)offset, length));
    }

    private static ImageFormatException Corrupt(string where, string what) => new($"{where}: not a loader cache: {what}");
}
