using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.Globalization;
using System.Text;
using UserKernel.RootFs.Tree;

namespace UserKernel.RootFs.Sources;

// Owner, mode, times with nanoseconds and extended attributes of a tar entry.
public sealed partial class TarSource
{
    private const string SchilyXattr = "SCHILY.xattr.";
    private const string LibarchiveXattr = "LIBARCHIVE.xattr.";

    private static void SetMetadata(TreeNode node, TarEntry entry, byte[] headers, List<TarBlocks.Header> blocks)
    {
        node.Mode = (uint)entry.Mode & 0xFFF;
        node.Uid = (uint)entry.Uid;
        node.Gid = (uint)entry.Gid;
        var pax = (entry as PaxTarEntry)?.ExtendedAttributes;
        var mtime = PaxTime(pax, "mtime") ?? Timestamp.FromDateTimeOffset(entry.ModificationTime);
        node.Mtime = mtime;
        var gnu = entry as GnuTarEntry;
        node.Atime = PaxTime(pax, "atime")
            ?? (gnu is not null && gnu.AccessTime != default ? Timestamp.FromDateTimeOffset(gnu.AccessTime) : mtime);
        node.Ctime = PaxTime(pax, "ctime")
            ?? (gnu is not null && gnu.ChangeTime != default ? Timestamp.FromDateTimeOffset(gnu.ChangeTime) : mtime);
        if (pax is not null)
        {
            SetXattrs(node, pax, headers, blocks);
        }
    }

    /// <summary>A pax time record ("1700000000.123456789", maybe negative) with all its nanoseconds.</summary>
    private static Timestamp? PaxTime(IReadOnlyDictionary<string, string>? pax, string key)
    {
        if (pax is null || !pax.TryGetValue(key, out var text))
        {
            return null;
        }
        var parts = text.Split('.', 2);
        if (!long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long seconds))
        {
            return null;
        }
        string fraction = parts.Length > 1 ? parts[1] : "";
        fraction = (fraction.Length > 9 ? fraction[..9] : fraction).PadRight(9, '0');
        if (!uint.TryParse(fraction, NumberStyles.None, CultureInfo.InvariantCulture, out uint nanos))
        {
            return null;
        }
        // "-1.5" is 1.5 s before the epoch: -2 s and 0.5 s.
        if (text.StartsWith('-') && nanos > 0)
        {
            seconds--;
            nanos = 1_000_000_000 - nanos;
        }
        return new Timestamp(seconds, nanos);
    }

    private static void SetXattrs(TreeNode node, IReadOnlyDictionary<string, string> pax, byte[] headers, List<TarBlocks.Header> blocks)
    {
        Dictionary<string, byte[]>? raw = null;
        foreach (var (key, value) in pax)
        {
            if (key.StartsWith(SchilyXattr, StringComparison.Ordinal))
            {
                // GNU tar and star write the value's bytes as they are; the string form loses
                // bytes that are not UTF-8 (security.capability), so take them from the header.
                raw ??= RawPaxRecords(headers, blocks);
                node.Xattrs[key[SchilyXattr.Length..]] = raw.TryGetValue(key, out var bytes) ? bytes : Encoding.UTF8.GetBytes(value);
            }
            else if (key.StartsWith(LibarchiveXattr, StringComparison.Ordinal))
            {
                // bsdtar: the name is URL-encoded and the value base64.
                string name = Uri.UnescapeDataString(key[LibarchiveXattr.Length..]);
                node.Xattrs[name] = Convert.FromBase64String(value);
            }
        }
    }

    /// <summary>
    /// The records of the last pax extended header ('x') among the recorded header blocks, as
    /// bytes: each is "LENGTH KEY=VALUE\n", LENGTH counting the whole record. <paramref name="blocks"/>
    /// says where the headers lie: the recorded bytes start with the padding after the previous entry's data.
    /// </summary>
    private static Dictionary<string, byte[]> RawPaxRecords(byte[] headers, List<TarBlocks.Header> blocks)
    {
        var records = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var header in blocks)
        {
            if (header.Type == (byte)'x' && header.DataStart + header.Size <= headers.Length)
            {
                records.Clear();
                ParseRecords(headers.AsSpan(header.DataStart, (int)header.Size), records);
            }
        }
        return records;
    }

    private static void ParseRecords(ReadOnlySpan<byte> data, Dictionary<string, byte[]> records)
    {
        int pos = 0;
        while (pos < data.Length)
        {
            int space = data[pos..].IndexOf((byte)' ');
            if (space <= 0 || !int.TryParse(data.Slice(pos, space), NumberStyles.None, CultureInfo.InvariantCulture, out int length)
                || length <= space + 1 || pos + length > data.Length)
            {
                return;
            }
            ReadOnlySpan<byte> record = data.Slice(pos + space + 1, length - space - 2); // without the length and '\n'
            int equals = record.IndexOf((byte)'=');
            if (equals > 0)
            {
                records[Encoding.UTF8.GetString(record[..equals])] = record[(equals + 1)..].ToArray();
            }
            pos += length;
        }
    }
}
