using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;
using UserKernel.Kernel;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Examples.JsonFs;

/// <summary>
/// One JSON value as a file: an object is a directory of its members, an array a directory of "0", "1", …, and any
/// other value a regular file holding its text and a newline (a string without its quotes). The xattr user.json.type
/// says which JSON type it was.
/// </summary>
public sealed class JsonInode : Inode
{
    private readonly JsonElement value;
    private readonly byte[]? content;
    private SortedDictionary<string, JsonInode>? children; // made on first lookup or listing

    public JsonInode(JsonSuperBlock superBlock, ulong ino, JsonElement value) : base(superBlock, ino)
    {
        this.value = value;
        if (!IsContainer) content = Encoding.UTF8.GetBytes((value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()) + "\n");
    }

    private bool IsContainer => value.ValueKind is JsonValueKind.Object or JsonValueKind.Array;
    private JsonSuperBlock Json => (JsonSuperBlock)SuperBlock;

    public override uint Mode => IsContainer ? FileMode.S_IFDIR | 0x16D /* 0555 */ : FileMode.S_IFREG | 0x124 /* 0444 */;
    public override long Size => content?.Length ?? 4096;
    public override long Blocks512 => (Size + 511) / 512;
    public override ulong LinkCount => IsContainer ? 2 + (ulong)CountSubdirectories() : 1;
    public override Timespec Atime => Json.MountTime;
    public override Timespec Mtime => Json.MountTime;
    public override Timespec Ctime => Json.MountTime;

    public override Result<Inode> Lookup(string name)
    {
        if (!IsContainer) return Errno.ENOTDIR;
        return Children().TryGetValue(name, out JsonInode? child) ? child : Errno.ENOENT;
    }

    public override Result<IReadOnlyList<DirectoryEntry>> ReadDirectory()
    {
        if (!IsContainer) return Errno.ENOTDIR;
        var list = new List<DirectoryEntry> { new(".", Ino, 4 /* DT_DIR */), new("..", Ino, 4) };
        foreach ((string name, JsonInode child) in Children())
            list.Add(new DirectoryEntry(name, child.Ino, FileMode.ToDirentType(child.Mode)));
        return DirectoryEntry.InListOrder(list);
    }

    public override Result<int> Read(long offset, Span<byte> buffer)
    {
        if (content == null) return Errno.EISDIR;
        if (offset >= content.Length) return 0;
        int n = (int)Math.Min(buffer.Length, content.Length - offset);
        content.AsSpan((int)offset, n).CopyTo(buffer);
        return n;
    }

    public override Result<KeyValuePair<string, byte[]>[]> ListXattrs() => new[] { TypeXattr() };

    public override Result<byte[]> GetXattr(string name) => name == "user.json.type" ? TypeXattr().Value : Errno.ENODATA;

    private KeyValuePair<string, byte[]> TypeXattr() =>
        new("user.json.type", Encoding.ASCII.GetBytes(value.ValueKind.ToString().ToLowerInvariant()));

    /// <summary>The members (or elements) as inodes, by name. A member name that cannot be a file name is left out.</summary>
    private SortedDictionary<string, JsonInode> Children()
    {
        if (children != null) return children;
        children = new SortedDictionary<string, JsonInode>(StringComparer.Ordinal);
        if (value.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (JsonElement element in value.EnumerateArray())
                children[(i++).ToString(CultureInfo.InvariantCulture)] = new JsonInode(Json, Json.NextIno(), element);
        }
        else
        {
            foreach (JsonProperty member in value.EnumerateObject())
            {
                // Names are kept as Latin-1 strings of their bytes in the kernel (one char per byte).
                string name = Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(member.Name));
                if (name.Length is 0 or > 255 || name is "." or ".." || name.Contains('/') || name.Contains('\0')) continue;
                children.TryAdd(name, new JsonInode(Json, Json.NextIno(), member.Value));
            }
        }
        return children;
    }

    private int CountSubdirectories()
    {
        int n = 0;
        foreach (JsonInode child in Children().Values) if (child.IsContainer) n++;
        return n;
    }
}
