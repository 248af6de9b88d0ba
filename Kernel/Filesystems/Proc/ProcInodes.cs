using System;
using System.Collections.Generic;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Filesystems.Proc;

/// <summary>
/// Every procfs inode is made afresh by each lookup and is volatile: its content is rendered when it is
/// opened, from the kernel's state at that moment, as Linux's procfs does. Owner is the process's guest
/// identity (or root for the global files); times are the mount's.
/// </summary>
internal abstract class ProcInode : Inode
{
    private readonly uint uid, gid;

    protected ProcInode(ProcSuperBlock sb, ulong ino, uint uid, uint gid) : base(sb, ino)
    {
        this.uid = uid;
        this.gid = gid;
    }

    protected ProcSuperBlock Proc => (ProcSuperBlock)SuperBlock;

    public override uint Uid => uid;
    public override uint Gid => gid;
    public override Timespec Atime => Proc.MountTime;
    public override Timespec Mtime => Proc.MountTime;
    public override Timespec Ctime => Proc.MountTime;
    public override bool IsVolatile => true;
}

/// <summary>
/// A regular file of size 0 (as Linux reports them) whose bytes are rendered at the first read. A setting (one with
/// <paramref name="takeWrites"/>) may be opened for writing: the writer gets an empty host object of its own, which
/// is handed to <paramref name="takeWrites"/> to be read when the setting is next used.
/// </summary>
internal sealed class ProcFile(ProcSuperBlock sb, ulong ino, uint uid, uint gid, Func<string> render, uint permissions = 0x124 /* 0444 */,
    Action<int>? takeWrites = null) : ProcInode(sb, ino, uid, gid)
{
    private byte[]? content;

    public override uint Mode => FileMode.S_IFREG | permissions;

    public override bool TakesWrites => takeWrites != null;

    public override void TakeWrites(int kernelFd) => takeWrites!(kernelFd);

    public override Errno PrepareWrite() => takeWrites != null ? Errno.OK : base.PrepareWrite();

    public override Result<int> Read(long offset, Span<byte> buffer)
    {
        content ??= Names.ToBytes(render());
        if (offset >= content.Length) return 0;
        int n = (int)Math.Min(buffer.Length, content.Length - offset);
        content.AsSpan((int)offset, n).CopyTo(buffer);
        return n;
    }
}

/// <summary>A symlink whose target is computed when it is read (it may depend on who asks: /proc/self).</summary>
internal sealed class ProcSymlink : ProcInode
{
    private readonly Func<Result<string>> target;
    private readonly Func<Dentry?>? linked;

    public ProcSymlink(ProcSuperBlock sb, ulong ino, uint uid, uint gid, Func<Result<string>> target, Func<Dentry?>? linked = null) : base(sb, ino, uid, gid)
    {
        this.target = target;
        this.linked = linked;
    }

    public override uint Mode => FileMode.S_IFLNK | 0x1FF; // 0777

    public override Dentry? LinkedObject => linked?.Invoke();

    public override Result<byte[]> ReadLink()
    {
        if (!target().TryGet(out string? t, out Errno e)) return e;
        return Names.ToBytes(t);
    }
}

/// <summary>
/// One name in a procfs directory. <paramref name="Position"/> is its getdents cursor, fixed for the name
/// (a pid directory's is derived from the pid), so a listing that changes between two getdents calls
/// neither repeats nor skips the names that stayed.
/// </summary>
internal readonly record struct ProcEntry(string Name, ulong Ino, byte Type, long Position, Func<Inode> Make);

/// <summary>A directory whose entries are listed from the kernel's state each time they are asked for.</summary>
internal sealed class ProcDirectory : ProcInode
{
    private readonly ulong parentIno;
    private readonly Func<IReadOnlyList<ProcEntry>> list;
    private readonly Func<string, Inode?>? lookup;

    /// <param name="lookup">Finds a name the listing does not show, or more cheaply than listing (a pid); null: list.</param>
    public ProcDirectory(ProcSuperBlock sb, ulong ino, ulong parentIno, uint uid, uint gid,
        Func<IReadOnlyList<ProcEntry>> list, Func<string, Inode?>? lookup = null) : base(sb, ino, uid, gid)
    {
        this.parentIno = parentIno;
        this.list = list;
        this.lookup = lookup;
    }

    public override uint Mode => FileMode.S_IFDIR | 0x16D; // 0555
    public override ulong LinkCount => 2;

    public override Result<Inode> Lookup(string name)
    {
        if (lookup?.Invoke(name) is { } found) return found;
        foreach (ProcEntry entry in list())
            if (entry.Name == name) return entry.Make();
        return Errno.ENOENT;
    }

    public override Result<IReadOnlyList<DirectoryEntry>> ReadDirectory()
    {
        IReadOnlyList<ProcEntry> entries = list();
        var result = new List<DirectoryEntry>(entries.Count + 2)
        {
            new(".", Ino, 4, 0, 1),
            new("..", parentIno, 4, 1, entries.Count > 0 ? entries[0].Position : 2),
        };
        for (int i = 0; i < entries.Count; i++)
        {
            ProcEntry e = entries[i];
            long next = i + 1 < entries.Count ? entries[i + 1].Position : e.Position + 1;
            result.Add(new DirectoryEntry(e.Name, e.Ino, e.Type, e.Position, next));
        }
        return result;
    }
}
