using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Mono.Unix.Native;
using UserKernel.RootFs.Tree;

namespace UserKernel.RootFs.Sources.HostPrograms;

/// <summary>
/// A root filesystem made of host programs and what they need to start: the programs, their
/// dynamic loader and the closure of their shared libraries, found as ld.so(8) finds them
/// (DT_RPATH, DT_RUNPATH with $ORIGIN, /etc/ld.so.cache, the default directories); plus
/// whole host directories on request (a language's standard library). Every file lands at
/// its host path, and every symlink met on the way (/lib -> usr/lib, the loader's
/// /lib64/ld-linux-x86-64.so.2 -> ...) is reproduced as a symlink, so paths baked into the
/// programs work unchanged. Files are owned by root in the image; modes and times are the host's.
/// </summary>
public sealed partial class HostProgramSource
{
    /// <summary>Where the loader looks last (Debian's multiarch directories, then the classic ones).</summary>
    public static IReadOnlyList<string> DefaultLibraryDirectories { get; } =
        ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/lib", "/usr/lib"];

    /// <summary>Linux's limit on nested #! interpreters (BINPRM_MAX_RECURSION).</summary>
    private const int MaxInterpreterDepth = 4;

    private readonly string _hostRoot;
    private readonly LdSoCache _cache;
    // Host inodes already in the tree, so a hard link on the host stays one in the image.
    private readonly Dictionary<(ulong Dev, ulong Ino), TreeNode> _inodes = new();
    // Objects whose libraries were resolved already, by the path they were found at.
    private readonly HashSet<string> _linked = new(StringComparer.Ordinal);
    private readonly List<string> _warnings = new();
    // Whether any dynamically linked object was added: only those read the loader cache.
    private bool _dynamic;

    /// <param name="hostRoot">
    /// The directory that is "/" for every host path this source reads: "/" for the host itself;
    /// tests use a directory laid out like one. Absolute symlink targets start there too.
    /// </param>
    /// <param name="cache">The loader cache; by default the one at /etc/ld.so.cache under <paramref name="hostRoot"/>.</param>
    public HostProgramSource(string hostRoot = "/", LdSoCache? cache = null)
    {
        _hostRoot = Path.GetFullPath(hostRoot).TrimEnd('/');
        _cache = cache ?? LdSoCache.Load(HostPath("/etc/ld.so.cache"));
    }

    /// <summary>The tree built so far.</summary>
    public FileTree Tree { get; } = new();

    /// <summary>What could not be added and was left out (a library an extension module needs but the host lacks).</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>
    /// Adds a program: <paramref name="program"/> is a path, or a name looked up in
    /// <paramref name="searchPath"/> (colon-separated, like PATH). Adds its dynamic loader and
    /// libraries, or for a #! script its interpreter. Returns the program's path in the image.
    /// Throws <see cref="FileNotFoundException"/> when the program, its loader or a library it
    /// needs cannot be found, and <see cref="IOException"/> for other unusable input.
    /// </summary>
    public string AddProgram(string program, string searchPath) => AddProgram(program, searchPath, depth: 0);

    /// <summary>
    /// Copies a host file or directory tree whole (symlinks inside it stay symlinks) to
    /// <paramref name="guestPath"/>, by default its own path. Shared libraries and programs
    /// in it get their libraries added too; one whose library cannot be found is kept and
    /// noted in <see cref="Warnings"/>.
    /// </summary>
    public void AddTree(string hostPath, string? guestPath = null)
    {
        string absolute = Absolute(hostPath);
        string source;
        TreeNode parent;
        string name;
        if (guestPath is null)
        {
            source = Place(absolute, followLast: true);
            (parent, name) = ParentInTree(source);
        }
        else
        {
            source = Resolve(absolute, followLast: true) ?? throw new FileNotFoundException($"{hostPath}: No such file or directory");
            (parent, name) = ParentInTree(guestPath);
        }
        var elfFiles = new List<string>();
        Copy(source, parent, name, elfFiles);
        foreach (string file in elfFiles)
        {
            var elf = ElfDependencies.TryRead(HostPath(file));
            if (elf is not null)
            {
                Link(new LoadedObject(file, elf, null, DirectoryOf(file)), required: false);
            }
        }
    }

    /// <summary>
    /// Adds a symlink at <paramref name="guestPath"/> to <paramref name="target"/> (say, a busybox
    /// applet), following symlinks already in the tree on the way, as the guest will. An existing
    /// entry is kept: returns false then.
    /// </summary>
    public bool AddSymlink(string guestPath, string target)
    {
        var (parent, name) = ParentInTree(guestPath);
        if (name.Length == 0 || parent.Children!.ContainsKey(name))
        {
            return false;
        }
        var link = TreeNode.Symlink(target);
        link.Atime = link.Mtime = link.Ctime = parent.Mtime;
        parent.Children[name] = link;
        return true;
    }

    /// <summary>
    /// Makes sure a directory is at <paramref name="guestPath"/> (0755, root's), following symlinks
    /// already in the tree on the way; whatever is there already is kept.
    /// </summary>
    public void AddDirectory(string guestPath)
    {
        var (parent, name) = ParentInTree(guestPath);
        if (name.Length != 0 && !parent.Children!.ContainsKey(name))
        {
            parent.Children[name] = TreeNode.Directory(0x1ED /* 0755 */);
        }
    }

    /// <summary>
    /// The files every image needs to feel like a system: a minimal /etc (root and nobody,
    /// localhost, files-only name service, an os-release naming <paramref name="madeBy"/>),
    /// the host's loader cache when a dynamically linked program is in the tree, and the usual
    /// empty directories.
    /// Existing files are kept.
    /// </summary>
    public void AddBaseSystem(string madeBy)
    {
        MinimalSystem.AddTo(Tree, madeBy);
        if (_dynamic && _cache.Count > 0 && Tree.Lookup("/etc/ld.so.cache") is null)
        {
            Place("/etc/ld.so.cache", followLast: true);
        }
    }

    private string AddProgram(string program, string searchPath, int depth)
    {
        string path = program.Contains('/')
            ? Absolute(program)
            : FindOnPath(program, searchPath) ?? throw new FileNotFoundException($"{program}: not found on the search path {searchPath}");
        string canonical = Place(path, followLast: true);
        if (Tree.Lookup(canonical)?.Kind != NodeKind.Regular)
        {
            throw new IOException($"{program}: {canonical} is not a regular file");
        }
        var elf = ElfDependencies.TryRead(HostPath(canonical));
        if (elf is not null)
        {
            if (elf.Interpreter is not null)
            {
                string loader = Place(elf.Interpreter, followLast: true, what: $"{program}'s dynamic loader ");
                if (Tree.Lookup(loader)?.Kind != NodeKind.Regular)
                {
                    throw new IOException($"{program}: its dynamic loader {elf.Interpreter} is not a regular file");
                }
            }
            // The loader takes $ORIGIN of the program from /proc/self/exe: every symlink resolved.
            Link(new LoadedObject(path, elf, null, DirectoryOf(canonical)), required: true);
            return path;
        }
        string? interpreter = ShebangInterpreter(HostPath(canonical));
        if (interpreter is null)
        {
            throw new IOException($"{program}: {canonical} is neither an x86-64 ELF program nor a #! script");
        }
        if (depth >= MaxInterpreterDepth)
        {
            throw new IOException($"{program}: too many levels of #! interpreters");
        }
        AddProgram(interpreter, searchPath, depth + 1);
        return path;
    }

    private string? FindOnPath(string name, string searchPath)
    {
        foreach (string dir in searchPath.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!dir.StartsWith('/'))
            {
                continue;
            }
            string candidate = dir.TrimEnd('/') + "/" + name;
            string? found = Resolve(candidate, followLast: true);
            if (found is not null && Syscall.stat(HostPath(found), out var st) == 0
                && (st.st_mode & FilePermissions.S_IFMT) == FilePermissions.S_IFREG
                && (st.st_mode & (FilePermissions.S_IXUSR | FilePermissions.S_IXGRP | FilePermissions.S_IXOTH)) != 0)
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>The first word after "#!" on the first line, or null when the file is no script.</summary>
    private static string? ShebangInterpreter(string hostPath)
    {
        var head = new byte[256];
        int n;
        using (var file = File.OpenRead(hostPath))
        {
            n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        if (n < 3 || head[0] != '#' || head[1] != '!')
        {
            return null;
        }
        int end = Array.IndexOf(head, (byte)'\n', 0, n);
        string line = Encoding.UTF8.GetString(head, 2, (end < 0 ? n : end) - 2).Trim();
        int space = line.IndexOfAny([' ', '\t']);
        string interpreter = space < 0 ? line : line[..space];
        return interpreter.StartsWith('/') ? interpreter : null;
    }

    /// <summary>An absolute path for a command-line path: relative ones count from the working directory (a real host only).</summary>
    private string Absolute(string path)
    {
        if (path.StartsWith('/'))
        {
            return path;
        }
        if (_hostRoot.Length != 0)
        {
            throw new IOException($"{path}: a relative path needs the real host as the root");
        }
        return Path.GetFullPath(path);
    }

    private string HostPath(string path) => _hostRoot + path;

    private static string DirectoryOf(string path)
    {
        int slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }
}
