using System;
using System.Collections.Generic;
using System.IO;
using Mono.Unix;
using Mono.Unix.Native;
using UserKernel.RootFs.Tree;

namespace UserKernel.RootFs.Sources.HostPrograms;

// Walking host paths as the host kernel would (under the chosen host root), and copying what
// the walk meets into the tree at the same paths.
public sealed partial class HostProgramSource
{
    /// <summary>Linux's limit on symlinks followed in one path walk.</summary>
    private const int MaxSymlinks = 40;

    /// <summary>Where <paramref name="path"/> leads on the host with every symlink resolved, or null if nowhere.</summary>
    private string? Resolve(string path, bool followLast) => Walk(path, followLast, record: false, out _);

    /// <summary>
    /// Walks <paramref name="path"/> on the host and puts what it meets into the tree at the same
    /// paths: each directory, each symlink (as a symlink), and the object at the end (a regular
    /// file, device, FIFO or socket; a directory only as a directory, not its contents).
    /// Returns the object's resolved path. Throws <see cref="FileNotFoundException"/> naming
    /// <paramref name="what"/> and the path when the walk ends nowhere.
    /// </summary>
    private string Place(string path, bool followLast, string what = "")
    {
        string resolved = Walk(path, followLast, record: true, out string error)
            ?? throw new FileNotFoundException($"{what}{path}: {error}");
        var (parent, name) = ParentInTree(resolved);
        if (name.Length != 0 && !parent.Children!.ContainsKey(name))
        {
            Copy(resolved, parent, name, elfFiles: null, recursive: false);
        }
        return resolved;
    }

    private string? Walk(string path, bool followLast, bool record, out string error)
    {
        error = "";
        var walked = new List<string>();
        var pending = new LinkedList<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        int symlinks = 0;
        while (pending.First is { } first)
        {
            string name = first.Value;
            pending.RemoveFirst();
            if (name == ".")
            {
                continue;
            }
            if (name == "..")
            {
                if (walked.Count > 0)
                {
                    walked.RemoveAt(walked.Count - 1);
                }
                continue;
            }
            string here = Join(walked, name);
            if (Syscall.lstat(HostPath(here), out var st) != 0)
            {
                error = UnixMarshal.GetErrorDescription(Stdlib.GetLastError());
                return null;
            }
            var type = st.st_mode & FilePermissions.S_IFMT;
            bool last = pending.Count == 0;
            if (type == FilePermissions.S_IFLNK && (!last || followLast))
            {
                if (++symlinks > MaxSymlinks)
                {
                    error = "Too many levels of symbolic links";
                    return null;
                }
                string target = ReadLink(here);
                if (record)
                {
                    var (parent, linkName) = ParentInTree(here);
                    if (!parent.Children!.ContainsKey(linkName))
                    {
                        parent.Children[linkName] = WithMetadata(TreeNode.Symlink(target), st);
                    }
                }
                if (target.StartsWith('/'))
                {
                    walked.Clear();
                }
                var names = target.Split('/', StringSplitOptions.RemoveEmptyEntries);
                for (int i = names.Length - 1; i >= 0; i--)
                {
                    pending.AddFirst(names[i]);
                }
                continue;
            }
            if (!last && type != FilePermissions.S_IFDIR)
            {
                error = "Not a directory";
                return null;
            }
            if (record && !last)
            {
                var (parent, dirName) = ParentInTree(here);
                if (!parent.Children!.ContainsKey(dirName))
                {
                    parent.Children[dirName] = WithMetadata(TreeNode.Directory(), st);
                }
            }
            walked.Add(name);
        }
        return Join(walked, null);
    }

    /// <summary>
    /// The directory node that holds <paramref name="path"/> in the tree and the last name of the
    /// path (empty for "/"). Missing directories are made (0755); symlinks already in the tree are
    /// followed as the guest will follow them, so nothing is put beside the path the guest sees.
    /// </summary>
    private (TreeNode Parent, string Name) ParentInTree(string path)
    {
        var names = new List<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        if (names.Count == 0)
        {
            return (Tree.Root, "");
        }
        string last = names[^1];
        names.RemoveAt(names.Count - 1);
        var pending = new LinkedList<string>(names);
        var walked = new List<TreeNode>();
        var current = Tree.Root;
        int symlinks = 0;
        while (pending.First is { } first)
        {
            string name = first.Value;
            pending.RemoveFirst();
            if (name == "." || name == "..")
            {
                if (name == ".." && walked.Count > 0)
                {
                    walked.RemoveAt(walked.Count - 1);
                }
                current = walked.Count > 0 ? walked[^1] : Tree.Root;
                continue;
            }
            if (!current.Children!.TryGetValue(name, out var child))
            {
                child = TreeNode.Directory(0x1ED /* 0755 */);
                current.Children[name] = child;
            }
            if (child.Kind == NodeKind.Symlink)
            {
                if (++symlinks > MaxSymlinks)
                {
                    throw new IOException($"{path}: Too many levels of symbolic links in the image");
                }
                string target = child.SymlinkTarget!;
                if (target.StartsWith('/'))
                {
                    walked.Clear();
                    current = Tree.Root;
                }
                var parts = target.Split('/', StringSplitOptions.RemoveEmptyEntries);
                for (int i = parts.Length - 1; i >= 0; i--)
                {
                    pending.AddFirst(parts[i]);
                }
                continue;
            }
            if (child.Kind != NodeKind.Directory)
            {
                throw new IOException($"{path}: a {child.Kind} is in the way in the image");
            }
            walked.Add(child);
            current = child;
        }
        if (last is "." or "..")
        {
            throw new IOException($"{path}: names no file");
        }
        return (current, last);
    }

    /// <summary>
    /// Copies the host object at <paramref name="hostPath"/> (not following a symlink there) into
    /// <paramref name="parent"/> as <paramref name="name"/>; a directory with all it holds when
    /// <paramref name="recursive"/>. Regular files that start with the ELF magic are listed in
    /// <paramref name="elfFiles"/> by their host path.
    /// </summary>
    private void Copy(string hostPath, TreeNode parent, string name, List<string>? elfFiles, bool recursive = true)
    {
        if (Syscall.lstat(HostPath(hostPath), out var st) != 0)
        {
            throw new FileNotFoundException($"{hostPath}: {Stdlib.GetLastError()}");
        }
        var type = st.st_mode & FilePermissions.S_IFMT;
        parent.Children!.TryGetValue(name, out var existing);
        switch (type)
        {
            case FilePermissions.S_IFDIR:
                var dir = existing?.Kind == NodeKind.Directory ? existing : TreeNode.Directory();
                parent.Children[name] = WithMetadata(dir, st);
                if (recursive)
                {
                    foreach (string entry in Directory.EnumerateFileSystemEntries(HostPath(hostPath)))
                    {
                        string child = Path.GetFileName(entry);
                        Copy(JoinPath(hostPath, child), dir, child, elfFiles, recursive: true);
                    }
                }
                break;
            case FilePermissions.S_IFREG:
                if (!_inodes.TryGetValue((st.st_dev, st.st_ino), out var file))
                {
                    file = WithMetadata(TreeNode.File(new HostFileContent(HostPath(hostPath), st.st_size)), st);
                    _inodes[(st.st_dev, st.st_ino)] = file;
                }
                parent.Children[name] = file;
                if (elfFiles is not null && st.st_size >= 64 && ElfDependencies.IsElf(HostPath(hostPath)))
                {
                    elfFiles.Add(hostPath);
                }
                break;
            case FilePermissions.S_IFLNK:
                parent.Children[name] = WithMetadata(TreeNode.Symlink(ReadLink(hostPath)), st);
                break;
            case FilePermissions.S_IFCHR or FilePermissions.S_IFBLK:
                var (major, minor) = SplitDevice(st.st_rdev);
                parent.Children[name] = WithMetadata(
                    TreeNode.Device(type == FilePermissions.S_IFCHR ? NodeKind.CharDevice : NodeKind.BlockDevice, major, minor), st);
                break;
            case FilePermissions.S_IFIFO:
                parent.Children[name] = WithMetadata(TreeNode.Fifo(), st);
                break;
            case FilePermissions.S_IFSOCK:
                parent.Children[name] = WithMetadata(TreeNode.Socket(), st);
                break;
        }
    }

    private string ReadLink(string path)
    {
        var target = new System.Text.StringBuilder(4096);
        long n = Syscall.readlink(HostPath(path), target);
        if (n < 0)
        {
            throw new IOException($"{path}: readlink: {Stdlib.GetLastError()}");
        }
        return target.ToString(0, (int)n);
    }

    /// <summary>The host's mode bits and times on <paramref name="node"/>; the owner is root.</summary>
    private static TreeNode WithMetadata(TreeNode node, Stat st)
    {
        node.Mode = (uint)st.st_mode & 0xFFF;
        node.Uid = 0;
        node.Gid = 0;
        node.Atime = new Timestamp(st.st_atime, (uint)st.st_atime_nsec);
        node.Mtime = new Timestamp(st.st_mtime, (uint)st.st_mtime_nsec);
        node.Ctime = new Timestamp(st.st_ctime, (uint)st.st_ctime_nsec);
        return node;
    }

    /// <summary>glibc's major() and minor().</summary>
    private static (uint Major, uint Minor) SplitDevice(ulong dev) =>
        ((uint)(((dev >> 8) & 0xFFF) | ((dev >> 32) & ~0xFFFUL)), (uint)((dev & 0xFF) | ((dev >> 12) & ~0xFFUL)));

    private static string Join(List<string> walked, string? name)
    {
        string joined = "/" + string.Join('/', walked);
        return name is null ? joined : JoinPath(joined, name);
    }

    private static string JoinPath(string dir, string name) => dir.EndsWith('/') ? dir + name : dir + "/" + name;
}
