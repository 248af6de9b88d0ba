using System;
using System.Text.Json;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Examples.JsonFs;

/// <summary>One mounted JSON document. Inode numbers are handed out as the tree is first walked, one per JSON value.</summary>
public sealed class JsonSuperBlock : SuperBlock
{
    private ulong nextIno = 1;

    public JsonSuperBlock(ulong device, JsonDocument document) : base(device)
    {
        MountTime = new Timespec(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 0);
        Root = new JsonInode(this, NextIno(), document.RootElement);
    }

    public override Inode Root { get; }
    public override string TypeName => "jsonfs";
    public override long Magic => 0x4A534F4E; // "JSON"
    public override bool ReadOnly => true;

    /// <summary>Every inode's three times: when the document was mounted.</summary>
    public Timespec MountTime { get; }

    internal ulong NextIno() => nextIno++;
}
