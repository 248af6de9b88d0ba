using System;
using System.Collections.Generic;
using System.Text;

namespace UserKernel.RootFs.Paths;

/// <summary>Linux's limits on path walks.</summary>
public static class PathLimits
{
    /// <summary>The most symlinks one path walk follows (MAXSYMLINKS).</summary>
    public const int MaxSymlinks = 40;
}

/// <summary>
/// The bookkeeping of a path walk as path_resolution(7) describes it, for any tree of directories
/// and symlinks (an image, the host, a <see cref="Tree.FileTree"/>), whose root is the walk's root:
/// the names still to walk, the directories entered so far, and the symlinks followed. "." is passed
/// over, ".." leaves the innermost directory but never the root, and an absolute symlink target starts
/// again at the root, so no walk leads out of the tree. The caller looks each name up in its own tree
/// and says what it found: a directory to <see cref="Enter"/> or a symlink to <see cref="Follow"/>.
/// </summary>
/// <typeparam name="TDir">How the caller knows a directory (an inode number, a host path, a tree node).</typeparam>
public sealed class PathResolution<TDir>
{
    private readonly TDir _root;
    private readonly LinkedList<string> _pending;
    private readonly List<(TDir Dir, string Name)> _entered = [];
    private int _symlinks;

    /// <summary>A walk of <paramref name="path"/> (absolute or not, both from <paramref name="root"/>).</summary>
    public PathResolution(string path, TDir root) : this(Names(path), root) { }

    /// <summary>A walk of the names of a path already split.</summary>
    public PathResolution(IEnumerable<string> names, TDir root)
    {
        _root = root;
        _pending = new LinkedList<string>(names);
    }

    /// <summary>The directory the next name is looked up in: the innermost entered, or the root.</summary>
    public TDir Current => _entered.Count > 0 ? _entered[^1].Dir : _root;

    /// <summary>Whether the name <see cref="Next"/> gave last is the last of the path (no name is left).</summary>
    public bool AtLast => _pending.Count == 0;

    /// <summary>The names of the directories entered, from the root: the path walked with every symlink resolved.</summary>
    public string WalkedPath
    {
        get
        {
            var path = new StringBuilder();
            foreach (var (_, name) in _entered)
            {
                path.Append('/').Append(name);
            }
            return path.Length == 0 ? "/" : path.ToString();
        }
    }

    /// <summary>The next name to look up in <see cref="Current"/>, "." and ".." dealt with; false when none is left.</summary>
    public bool Next(out string name)
    {
        while (_pending.First is { } first)
        {
            name = first.Value;
            _pending.RemoveFirst();
            if (name is "" or ".")
            {
                continue;
            }
            if (name == "..")
            {
                if (_entered.Count > 0)
                {
                    _entered.RemoveAt(_entered.Count - 1);
                }
                continue;
            }
            return true;
        }
        name = "";
        return false;
    }

    /// <summary>The name just given was the directory <paramref name="dir"/>: the walk goes on inside it.</summary>
    public void Enter(TDir dir, string name) => _entered.Add((dir, name));

    /// <summary>
    /// The name just given was a symlink to <paramref name="target"/>: its names are walked in its place
    /// (from the root if it is absolute). False past <see cref="PathLimits.MaxSymlinks"/>.
    /// </summary>
    public bool Follow(string target)
    {
        if (++_symlinks > PathLimits.MaxSymlinks)
        {
            return false;
        }
        if (target.StartsWith('/'))
        {
            _entered.Clear();
        }
        var names = Names(target);
        for (int i = names.Length - 1; i >= 0; i--)
        {
            _pending.AddFirst(names[i]);
        }
        return true;
    }

    private static string[] Names(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);
}
