using System;
using System.IO;
using System.Text;
using System.Text.Json;

namespace UserKernel.Tools.Commands.Runtime;

/// <summary>
/// The runtime's log (--log FILE, --log-format text|json, as containerd and podman pass them to runc): warnings for what
/// the kernel does not honour, errors; json lines are {"level","msg","time"} as runc writes them. Errors also go to
/// stderr, where an engine reads a failed command's reason. Without --log, warnings go to stderr only with --debug.
/// </summary>
public sealed class RuntimeLog
{
    private readonly string? path;
    private readonly bool json;
    private readonly bool debug;

    public RuntimeLog(string? path, bool json, bool debug)
    {
        this.path = path;
        this.json = json;
        this.debug = debug;
    }

    public void Info(string message) { if (debug) Write("info", message); }

    public void Warn(string message) => Write("warning", message);

    public void Error(string message)
    {
        Console.Error.WriteLine("userkernel: " + message);
        Write("error", message);
    }

    private void Write(string level, string message)
    {
        if (path == null)
        {
            if (debug && level != "error") Console.Error.WriteLine($"userkernel runtime: {level}: {message}");
            return;
        }
        string line;
        if (json)
        {
            var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("level", level);
                w.WriteString("msg", message);
                w.WriteString("time", DateTime.UtcNow.ToString("o", System.Globalization.CultureInfo.InvariantCulture));
                w.WriteEndObject();
            }
            line = Encoding.UTF8.GetString(buffer.ToArray());
        }
        else line = $"{DateTime.UtcNow:o} {level}: {message}";
        try { File.AppendAllText(path, line + "\n"); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { Console.Error.WriteLine($"userkernel: cannot write the log {path}: {ex.Message}"); }
    }
}

/// <summary>The global flags every runtime command shares.</summary>
public sealed record RuntimeContext(string Root, RuntimeLog Log, bool Debug, string[] GlobalArgs);
