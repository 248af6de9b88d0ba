using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace UserKernel.Kernel.Extensions;

/// <summary>An extension ready to register: its name (the assembly's) and its entry object.</summary>
public sealed record LoadedExtension(string Name, string Path, IKernelExtension Extension);

/// <summary>An extension that cannot be loaded: the message says which file and why.</summary>
public sealed class ExtensionLoadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Loads extension assemblies (--extension PATH.dll) into a load context of their own, so each may bring its own
/// dependencies, while the kernel's assemblies are shared with the kernel: an extension's Inode is the kernel's Inode.
/// Needs the JIT build; a NativeAOT program cannot load code.
/// </summary>
public static class ExtensionLoader
{
    /// <summary>Whether this build can load extensions at all.</summary>
    public static bool Supported => RuntimeFeature.IsDynamicCodeSupported;

    /// <summary>Every public <see cref="IKernelExtension"/> of the assembly at <paramref name="path"/>, made with its parameterless constructor.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "extensions are loaded only by the JIT build, never trimmed")]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "extensions are loaded only by the JIT build, never trimmed")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "extensions are loaded only by the JIT build, never trimmed")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "guarded by Supported")]
    public static IReadOnlyList<LoadedExtension> Load(string path)
    {
        if (!Supported) throw new ExtensionLoadException($"--extension {path}: this is the NativeAOT build, which cannot load code; run ./userkernel (it picks the JIT build for --extension) or dotnet userkernel.dll");
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw new ExtensionLoadException($"--extension {path}: no such file");
        Assembly assembly;
        try { assembly = new ExtensionLoadContext(full).LoadFromAssemblyPath(full); }
        catch (Exception ex) when (ex is BadImageFormatException or FileLoadException or IOException)
        {
            throw new ExtensionLoadException($"--extension {path}: not a .NET assembly this kernel can load ({ex.Message})", ex);
        }
        string name = assembly.GetName().Name ?? System.IO.Path.GetFileNameWithoutExtension(full);
        var found = new List<LoadedExtension>();
        Type[] types;
        try { types = assembly.GetExportedTypes(); }
        catch (Exception ex) when (ex is ReflectionTypeLoadException or FileNotFoundException or FileLoadException)
        {
            throw new ExtensionLoadException($"--extension {path}: its types do not load against this kernel ({ex.Message}); rebuild it against this Kernel.dll", ex);
        }
        foreach (Type type in types)
        {
            if (type.IsAbstract || !typeof(IKernelExtension).IsAssignableFrom(type)) continue;
            if (type.GetConstructor(Type.EmptyTypes) == null)
                throw new ExtensionLoadException($"--extension {path}: {type.FullName} needs a public parameterless constructor");
            try { found.Add(new LoadedExtension(name, full, (IKernelExtension)Activator.CreateInstance(type)!)); }
            catch (TargetInvocationException ex)
            {
                throw new ExtensionLoadException($"--extension {path}: {type.FullName}'s constructor threw {ex.InnerException?.GetType().Name}: {ex.InnerException?.Message}", ex);
            }
        }
        if (found.Count == 0) throw new ExtensionLoadException($"--extension {path}: no public class implements {typeof(IKernelExtension).FullName}");
        return found;
    }

    /// <summary>Resolves an extension's own dependencies beside it; the kernel's assemblies come from the kernel.</summary>
    private sealed class ExtensionLoadContext(string path) : AssemblyLoadContext(System.IO.Path.GetFileNameWithoutExtension(path))
    {
        private readonly AssemblyDependencyResolver resolver = new(path);

        [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "extensions are loaded only by the JIT build, never trimmed")]
        protected override Assembly? Load(AssemblyName name)
        {
            // Shared with the kernel: anything the default context already has (the kernel, the framework).
            foreach (Assembly loaded in Default.Assemblies)
                if (AssemblyName.ReferenceMatchesDefinition(loaded.GetName(), name)) return null;
            string? own = resolver.ResolveAssemblyToPath(name);
            return own != null ? LoadFromAssemblyPath(own) : null;
        }
    }
}
