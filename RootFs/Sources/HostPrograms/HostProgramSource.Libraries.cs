using System;
using System.Collections.Generic;
using System.IO;

namespace UserKernel.RootFs.Sources.HostPrograms;

// The closure of an object's shared libraries, searched in ld.so(8)'s order.
public sealed partial class HostProgramSource
{
    /// <summary>
    /// An object the loader has loaded: the path it was found at, what it asks for, the object
    /// that needed it (whose DT_RPATH also applies, up to the program) and its $ORIGIN.
    /// </summary>
    private sealed record LoadedObject(string Path, ElfDependencies Elf, LoadedObject? Loader, string Origin);

    /// <summary>
    /// Adds the libraries <paramref name="root"/> needs, and theirs, breadth first as the loader
    /// loads them; a name already loaded is not searched again. A library that cannot be found
    /// throws when <paramref name="required"/>, else becomes a warning.
    /// </summary>
    private void Link(LoadedObject root, bool required)
    {
        if (!_linked.Add(root.Path))
        {
            return;
        }
        _dynamic |= root.Elf.Interpreter is not null || root.Elf.Needed.Count > 0;
        var loaded = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<LoadedObject>();
        queue.Enqueue(root);
        while (queue.TryDequeue(out var obj))
        {
            foreach (string name in obj.Elf.Needed)
            {
                if (!loaded.Add(name))
                {
                    continue;
                }
                string? path = Search(name, obj);
                if (path is null)
                {
                    string message = $"{obj.Path} needs {name}, which the dynamic loader would not find";
                    if (required)
                    {
                        throw new FileNotFoundException(message);
                    }
                    _warnings.Add(message);
                    continue;
                }
                string resolved = Place(path, followLast: true);
                var elf = ElfDependencies.TryRead(HostPath(resolved))!;
                // A library's $ORIGIN is the directory of the path it was found at, symlinks unresolved.
                queue.Enqueue(new LoadedObject(path, elf, obj, DirectoryOf(path)));
            }
        }
    }

    /// <summary>
    /// Where the loader finds <paramref name="name"/> for <paramref name="requester"/>: a name with
    /// a '/' is a path; otherwise DT_RPATH of the requester and of each object that loaded it (only
    /// when the requester has no DT_RUNPATH), the requester's DT_RUNPATH, the loader cache and the
    /// default directories, unless DF_1_NODEFLIB. LD_LIBRARY_PATH is the host's business, not the image's.
    /// </summary>
    private string? Search(string name, LoadedObject requester)
    {
        if (name.Contains('/'))
        {
            return name.StartsWith('/') && IsLoadable(name) ? name : null;
        }
        if (requester.Elf.RunPath.Count == 0)
        {
            for (var obj = requester; obj is not null; obj = obj.Loader)
            {
                if (InDirectories(name, obj.Elf.RPath, obj) is { } fromRPath)
                {
                    return fromRPath;
                }
            }
        }
        if (InDirectories(name, requester.Elf.RunPath, requester) is { } fromRunPath)
        {
            return fromRunPath;
        }
        if (requester.Elf.NoDefaultLibraries)
        {
            return null;
        }
        if (_cache.Lookup(name) is { } cached && IsLoadable(cached))
        {
            return cached;
        }
        foreach (string dir in DefaultLibraryDirectories)
        {
            string candidate = dir + "/" + name;
            if (IsLoadable(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private string? InDirectories(string name, IReadOnlyList<string> directories, LoadedObject owner)
    {
        foreach (string entry in directories)
        {
            string? dir = ExpandOrigin(entry, owner.Origin);
            if (dir is null || !dir.StartsWith('/'))
            {
                continue;
            }
            string candidate = dir.TrimEnd('/') + "/" + name;
            if (IsLoadable(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>
    /// $ORIGIN and ${ORIGIN} replaced by <paramref name="origin"/>; null for an entry with another
    /// dynamic string token ($LIB, $PLATFORM), whose value depends on the loader's build and CPU.
    /// </summary>
    private static string? ExpandOrigin(string entry, string origin)
    {
        string expanded = entry.Replace("${ORIGIN}", origin, StringComparison.Ordinal).Replace("$ORIGIN", origin, StringComparison.Ordinal);
        return expanded.Contains('$') ? null : expanded;
    }

    /// <summary>Whether the loader would take the file at <paramref name="path"/>: it exists and is an x86-64 ELF object.</summary>
    private bool IsLoadable(string path)
    {
        string? resolved = Resolve(path, followLast: true);
        if (resolved is null || !File.Exists(HostPath(resolved)))
        {
            return false;
        }
        try
        {
            return ElfDependencies.TryRead(HostPath(resolved)) is not null;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
