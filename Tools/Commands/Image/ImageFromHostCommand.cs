using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using UserKernel.RootFs.Sources.HostPrograms;
using UserKernel.RootFs.Writer;
using UserKernel.Tools.CommandLine;
using UserKernel.Tools.HostPrograms;

namespace UserKernel.Tools.Commands.Image;

/// <summary>`userkernel image from-host PROGRAM... -o IMG`: an image of host programs and what they need to run.</summary>
public static class ImageFromHostCommand
{
    private const string Description = """
        Makes the image IMG from programs of this host: each PROGRAM (a path, or a name looked up in PATH)
        with its dynamic loader and every shared library it needs, found as the loader finds them (DT_RPATH,
        DT_RUNPATH and $ORIGIN, /etc/ld.so.cache, the default directories); a #! script brings its
        interpreter. Files keep their host paths, and symlinks met on the way (/lib -> usr/lib, the loader's
        link) are kept as symlinks. A Python interpreter is asked where its standard library is, and that is
        copied whole, with the libraries of its extension modules. The image also gets a minimal /etc
        (root and nobody, localhost, files-only name service, an os-release naming this command, the host's
        loader cache), /tmp (1777), /root, and empty /dev, /proc and /sys. Files are owned by root.
        """;

    /// <summary>`image from-host PROGRAM... -o IMG [--size SIZE] [--add HOSTPATH[:GUESTPATH]]...`.</summary>
    public static Command Definition()
    {
        var programs = new Argument<string[]>("PROGRAM") { Arity = ArgumentArity.OneOrMore, Description = "a path, or a name looked up in PATH" };
        Option<string> output = ImageLine.Output("image from-host", "IMG", "the image to write (replaced if it exists; written to a temporary name, then renamed)");
        Option<long?> size = ImageLine.Size("image from-host", "the image's size in bytes, or with a K, M, G or T suffix; default: fits the contents");
        Option<List<(string Host, string? Guest)>> adds = CliOptions.Repeatable("--add", "HOSTPATH[:GUESTPATH]", """
            also copy this host file or directory whole, at GUESTPATH (default: the
            same path); programs and libraries in it get their libraries too (repeatable)
            """, ParseAdd);
        var command = new Command("from-host", "an image of host programs with their loader, shared libraries and a minimal /etc\n\n" + Description)
        {
            programs, output, size, adds,
        };
        command.SetAction(r => Execute(r.GetRequiredValue(programs), r.GetRequiredValue(output), r.GetValue(size), r.GetValue(adds) ?? []));
        return command;
    }

    private static int Execute(string[] programs, string output, long? size, List<(string Host, string? Guest)> adds)
    {
        var source = Collect(programs, adds, $"userkernel image from-host {string.Join(' ', programs)}");
        foreach (string warning in source.Warnings)
        {
            Console.Error.WriteLine("userkernel: image from-host: left out: " + warning);
        }
        using var progress = new TerminalProgress();
        ImageWriter.Write(source.Tree, output, ImageLine.WriterOptions(output, size, progress));
        return 0;
    }

    /// <summary>
    /// The tree of <paramref name="programs"/>, their libraries, the directories their runtimes need,
    /// <paramref name="adds"/> and the base system, with os-release saying <paramref name="madeBy"/>.
    /// </summary>
    public static HostProgramSource Collect(IReadOnlyList<string> programs, IReadOnlyList<(string Host, string? Guest)> adds, string madeBy)
    {
        var source = new HostProgramSource();
        string path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        try
        {
            foreach (string program in programs)
            {
                string added = source.AddProgram(program, path);
                foreach (string dir in RuntimeDirectories.For(added))
                {
                    source.AddTree(dir);
                }
            }
            foreach (var (host, guest) in adds)
            {
                source.AddTree(host, guest);
            }
        }
        catch (IOException ex)
        {
            throw new UsageException("image from-host: " + ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new UsageException("image from-host: " + ex.Message);
        }
        source.AddBaseSystem(madeBy);
        return source;
    }

    private static (string Host, string? Guest) ParseAdd(string spec)
    {
        int colon = spec.IndexOf(':');
        string host = colon < 0 ? spec : spec[..colon];
        string? guest = colon < 0 ? null : spec[(colon + 1)..];
        if (host.Length == 0 || (guest is not null && !guest.StartsWith('/')))
        {
            throw new UsageException($"image from-host: --add '{spec}' is not HOSTPATH[:GUESTPATH] (GUESTPATH absolute)");
        }
        return (host, guest);
    }
}
