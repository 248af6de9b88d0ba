using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using UserKernel.Kernel;
using UserKernel.Kernel.Abi;
using UserKernel.SyscallBridge.Launch;
using UserKernel.SyscallBridge.Tracing;

namespace UserKernel.Tools.Commands.Runtime;

/// <summary>
/// The sandbox's end of `exec`: a socket in the container's directory (only its owner may connect) on which `runtime
/// exec` sends a process object and its standard streams. The program starts beside init under the same kernel, and
/// the connection carries "started GUESTPID", "failed REASON" or "exited STATUS" back, and "signal N" forward.
/// </summary>
internal sealed class ExecServer : IDisposable
{
    public const string SocketName = "exec.sock";
    private const int MaxRequest = 1 << 20;

    private readonly GuestKernel kernel;
    private readonly GuestSpawner spawner;
    private readonly RuntimeLog log;
    private readonly Socket listener;

    public ExecServer(GuestKernel kernel, GuestSpawner spawner, string containerDir, RuntimeLog log)
    {
        this.kernel = kernel;
        this.spawner = spawner;
        this.log = log;
        string path = Path.Combine(containerDir, SocketName);
        File.Delete(path);
        listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        (string name, int dirFd) = SocketAddress(containerDir);
        try { listener.Bind(new UnixDomainSocketEndPoint(name)); }
        finally { if (dirFd >= 0) Mono.Unix.Native.Syscall.close(dirFd); }
        Mono.Unix.Native.Syscall.chmod(path, Mono.Unix.Native.FilePermissions.S_IRUSR | Mono.Unix.Native.FilePermissions.S_IWUSR);
        listener.Listen(16);
        new Thread(Accept) { Name = "userkernel-exec", IsBackground = true }.Start();
    }

    /// <summary>
    /// The name to bind or connect the socket by, and a descriptor to close afterwards (or -1). A socket's path has at
    /// most 107 bytes, and a container's directory (its id is often 64 hex digits) may be longer: then the socket is
    /// named through a descriptor of the directory.
    /// </summary>
    public static (string Name, int DirectoryFd) SocketAddress(string containerDir)
    {
        string direct = Path.Combine(containerDir, SocketName);
        if (Encoding.UTF8.GetByteCount(direct) < 108) return (direct, -1);
        int fd = Mono.Unix.Native.Syscall.open(containerDir, Mono.Unix.Native.OpenFlags.O_RDONLY | Mono.Unix.Native.OpenFlags.O_DIRECTORY | Mono.Unix.Native.OpenFlags.O_CLOEXEC);
        if (fd < 0) throw new IOException($"cannot open {containerDir}: {Mono.Unix.Native.Stdlib.GetLastError()}");
        return ($"/proc/self/fd/{fd}/{SocketName}", fd);
    }

    private void Accept()
    {
        while (true)
        {
            Socket connection;
            try { connection = listener.Accept(); }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException) { return; }
            new Thread(() => Serve(connection)) { Name = "userkernel-exec-session", IsBackground = true }.Start();
        }
    }

    /// <summary>One exec: the request (a 4-byte length, the process JSON, and three descriptors with its first bytes), then the program's life.</summary>
    private void Serve(Socket connection)
    {
        using (connection)
        {
            int[] stdio = [-1, -1, -1];
            SpawnRequest? request = null;
            try
            {
                request = Read(connection, stdio, out TaskCompletionSource<string?> started, out TaskCompletionSource<int> exited);
                if (!spawner.Spawn(request))
                {
                    foreach (int fd in request.Stdio) Tmds.Linux.LibC.close(fd);
                    started.TrySetResult("126 the container is not running");
                }
                stdio = [-1, -1, -1]; // the spawner owns and closes them now
                string? failure = started.Task.Result;
                if (failure != null)
                {
                    Reply(connection, "failed " + failure);
                    return;
                }
                Reply(connection, "started");
                var signals = new Thread(() => RelaySignals(connection, request)) { IsBackground = true };
                signals.Start();
                Reply(connection, "exited " + exited.Task.Result);
            }
            catch (Exception ex) when (ex is UsageException or JsonException or IOException or SocketException or InvalidOperationException or KeyNotFoundException or FormatException)
            {
                log.Warn($"exec: {ex.Message}");
                try { Reply(connection, (ex is UsageException { Message: var m } && m.Contains("not found") ? "failed 127 " : "failed 126 ") + ex.Message); }
                catch (SocketException) { }
            }
            finally
            {
                foreach (int fd in stdio) if (fd >= 0) Tmds.Linux.LibC.close(fd);
                request?.Dispose();
            }
        }
    }

    private SpawnRequest Read(Socket connection, int[] stdio, out TaskCompletionSource<string?> started, out TaskCompletionSource<int> exited)
    {
        byte[] buffer = new byte[64 * 1024];
        int n = DescriptorPassing.Receive((int)connection.Handle, buffer, stdio, out int received);
        if (n < 4 || received != 3) throw new UsageException($"exec: a request needs its length and three descriptors (got {n} bytes, {received} descriptors)");
        int length = BitConverter.ToInt32(buffer, 0);
        if (length <= 0 || length > MaxRequest) throw new UsageException("exec: request too long");
        var json = new MemoryStream();
        json.Write(buffer, 4, n - 4);
        while (json.Length < length)
        {
            int more = connection.Receive(buffer);
            if (more == 0) throw new UsageException("exec: the request ended early");
            json.Write(buffer, 0, more);
        }
        using JsonDocument document = JsonDocument.Parse(json.ToArray().AsMemory(0, length));
        var ignored = new List<string>();
        SpecProcess process = BundleSpec.ParseProcess(document.RootElement, ignored);
        foreach (string setting in ignored) log.Warn($"exec: {setting} is not honoured by the user-space kernel");
        string path = process.Env.FirstOrDefault(v => v.StartsWith("PATH=", StringComparison.Ordinal))?[5..] ?? RunCommand.GuestPath;
        string program;
        lock (kernel.Lock) program = RunCommand.ResolveCommand(kernel, process.Args[0], path);

        var startedResult = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var exitedResult = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        started = startedResult;
        exited = exitedResult;
        return new SpawnRequest
        {
            Path = program,
            Argv = process.Args,
            Envp = process.Env,
            Credentials = ProcessCredentials.From(process, log),
            WorkingDirectory = process.Cwd,
            Limits = ProcessCredentials.Limits(process, log),
            Stdio = [.. stdio],
            Terminal = process.Terminal,
            Started = (_, _) => startedResult.TrySetResult(null),
            // Linux's shells' statuses: 127 for a program that is not there, 126 for one that cannot run.
            Failed = (e, why) => startedResult.TrySetResult((e == Errno.ENOENT ? "127 " : "126 ") + why),
            Exited = status => exitedResult.TrySetResult(status),
        };
    }

    /// <summary>"signal N" lines from `runtime exec` (the signals it was sent, or `kill` of its pid) go to the program.</summary>
    private static void RelaySignals(Socket connection, SpawnRequest request)
    {
        var reader = new StreamReader(new NetworkStream(connection, ownsSocket: false), Encoding.ASCII);
        try
        {
            while (reader.ReadLine() is { } line)
                if (line.StartsWith("signal ", StringComparison.Ordinal) && int.TryParse(line[7..], out int signal) && signal is > 0 and < 65)
                    request.Signal(signal);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException) { }
    }

    private static void Reply(Socket connection, string line) => connection.Send(Encoding.UTF8.GetBytes(line.Replace('\n', ' ') + "\n"));

    public void Dispose() => listener.Dispose();
}
