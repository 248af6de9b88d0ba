using System;
using System.Collections.Generic;
using System.IO;
using UserKernel.Kernel;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Filesystems.Image;
using UserKernel.Kernel.Trace;
using UserKernel.Kernel.Vfs;
using UserKernel.RootFs.Ext4;
using UserKernel.SyscallBridge.Tracing;

namespace UserKernel.Tools.Commands;

/// <summary>`userkernel run`: boot the image, run one command as guest pid 1, exit with its status.</summary>
public static class RunCommand
{
    /// <summary>The guest's PATH, which is also where a bare command name is looked up.</summary>
    public const string GuestPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private sealed record Options(string? Image, List<string> Env, string Workdir, string Hostname, string? Trace, bool TraceToStderr, List<string> Command);

    public static int Execute(string[] args)
    {
        Options o = Parse(args);
        string image = o.Image ?? DefaultImage.EnsureBuilt();
        using Ext4Reader reader = Ext4Reader.Open(image);
        var root = new ImageSuperBlock(reader, Kernel.Vfs.SuperBlock.MakeDev(0, 0x30));

        TextWriter? traceWriter = o.TraceToStderr ? Console.Error : o.Trace != null ? OpenTraceFile(o.Trace) : null;
        try
        {
            var kernel = new GuestKernel(root, new KernelOptions
            {
                Hostname = o.Hostname,
                WorkingDirectory = o.Workdir,
                Trace = traceWriter != null ? new TraceLog(traceWriter) : null,
            });

            string program = ResolveCommand(kernel, o.Command[0]);
            var env = new List<string> { "PATH=" + GuestPath, "HOME=/root", "TERM=" + (Environment.GetEnvironmentVariable("TERM") ?? "dumb") };
            foreach (string kv in o.Env)
            {
                string key = kv[..kv.IndexOf('=')];
                env.RemoveAll(e => e.StartsWith(key + "=", StringComparison.Ordinal));
                env.Add(kv);
            }
            return Tracer.Run(kernel, program, o.Command, env);
        }
        finally
        {
            traceWriter?.Flush();
            if (traceWriter != null && traceWriter != Console.Error) traceWriter.Dispose();
        }
    }

    private static TextWriter OpenTraceFile(string path)
    {
        try { return new StreamWriter(path, append: false) { AutoFlush = false }; }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write the trace to {path}: {ex.Message}");
        }
    }

    /// <summary>A name with a slash is used as it is; a bare name is looked up in the guest's PATH, in the image.</summary>
    private static string ResolveCommand(GuestKernel kernel, string command)
    {
        if (command.Contains('/')) return command;
        foreach (string dir in GuestPath.Split(':'))
        {
            string candidate = dir + "/" + command;
            if (kernel.Walk.Resolve(kernel.Mounts.Root, candidate, true).TryGet(out Dentry? d, out _) && d.Inode.IsRegular)
                return candidate;
        }
        throw new UsageException($"{command}: command not found in the image");
    }

    private static Options Parse(string[] args)
    {
        string? image = null, trace = null;
        bool traceStderr = false;
        string workdir = "/", hostname = "userkernel";
        var env = new List<string>();
        int i = 0;
        string Value(string name)
        {
            if (i + 1 >= args.Length) throw new UsageException($"run: {name} needs a value");
            return args[++i];
        }
        for (; i < args.Length; i++)
        {
            string a = args[i];
            if (a == "--") { i++; break; }
            if (!a.StartsWith('-')) break;
            switch (a)
            {
                case "--image": image = Value(a); break;
                case "--env": env.Add(Value(a)); break;
                case "--workdir": workdir = Value(a); break;
                case "--hostname": hostname = Value(a); break;
                case "--trace": traceStderr = true; break;
                case "--help" or "-h": Console.Out.WriteLine(Program.Usage); Environment.Exit(0); break;
                default:
                    if (a.StartsWith("--trace=", StringComparison.Ordinal)) { trace = a["--trace=".Length..]; break; }
                    if (a.StartsWith("--image=", StringComparison.Ordinal)) { image = a["--image=".Length..]; break; }
                    throw new UsageException($"run: unknown option '{a}'; try 'userkernel --help'");
            }
        }
        var command = new List<string>(args.AsSpan(i).ToArray());
        if (command.Count == 0) throw new UsageException("run: no command given (userkernel run [OPTIONS] -- COMMAND [ARG...])");
        foreach (string kv in env)
            if (kv.IndexOf('=') <= 0) throw new UsageException($"run: --env wants KEY=VALUE, not '{kv}'");
        if (!workdir.StartsWith('/')) throw new UsageException($"run: --workdir must be an absolute guest path, not '{workdir}'");
        if (hostname.Length is 0 or > 64) throw new UsageException("run: --hostname must be 1 to 64 characters");
        if (image != null && !File.Exists(image)) throw new UsageException($"image not found: {image}");
        return new Options(image, env, workdir, hostname, trace, traceStderr, command);
    }
}
