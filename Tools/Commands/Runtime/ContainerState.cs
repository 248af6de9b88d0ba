using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;

namespace UserKernel.Tools.Commands.Runtime;

/// <summary>The OCI lifecycle: created (kernel up, program not started), running, stopped.</summary>
public enum ContainerStatus { Creating, Created, Running, Stopped }

/// <summary>
/// A container's record under the runtime's --root: ROOT/ID/state.json, the runtime-spec state (id, status, pid,
/// bundle, annotations) and the start time of the sandbox process, so a reused pid is never taken for it. The
/// file is replaced whole (written beside it and renamed), so a reader never sees half of it.
/// </summary>
public sealed record ContainerState
{
    public const string OciVersion = "1.0.2";

    public required string Id { get; init; }
    public required string Bundle { get; init; }
    public ContainerStatus Status { get; init; }
    /// <summary>The sandbox's host pid: the kernel process, which exits with the container's status.</summary>
    public int Pid { get; init; }
    public long PidStartTime { get; init; }
    public DateTime Created { get; init; }
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>The record with another status.</summary>
    public ContainerState With(ContainerStatus status) => this with { Status = status };

    /// <summary>The record with the sandbox's pid and start time.</summary>
    public ContainerState With(int pid, long startTime) => this with { Pid = pid, PidStartTime = startTime };

    /// <summary>ROOT/ID: the container's directory.</summary>
    public static string Directory(string root, string id) => System.IO.Path.Combine(root, id);

    public static string StatePath(string root, string id) => System.IO.Path.Combine(root, id, "state.json");

    /// <summary>
    /// ROOT/ID/config.json: the bundle's config.json as `create` read it. Every later command reads this copy, not the
    /// bundle's, which runtime-spec lets change after create with no effect on the container (runc keeps its copy too).
    /// </summary>
    public static string ConfigPath(string root, string id) => System.IO.Path.Combine(root, id, "config.json");

    /// <summary>A container id is a file name: letters, digits and "_+-." as runc allows, not "." or "..".</summary>
    public static void CheckId(string id)
    {
        if (id.Length == 0 || id.Length > 1024 || id is "." or "..")
            throw new UsageException($"invalid container id '{id}'");
        foreach (char c in id)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '-' or '.'))
                throw new UsageException($"invalid container id '{id}': only letters, digits and _+-. are allowed");
    }

    /// <summary>The record of container <paramref name="id"/>, its status brought up to date; throws if there is none.</summary>
    public static ContainerState Load(string root, string id)
    {
        CheckId(id);
        string path = StatePath(root, id);
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UsageException($"container '{id}' does not exist");
        }
        using JsonDocument doc = JsonDocument.Parse(bytes);
        JsonElement e = doc.RootElement;
        var annotations = new Dictionary<string, string>();
        if (e.TryGetProperty("annotations", out JsonElement an))
            foreach (JsonProperty a in an.EnumerateObject()) annotations[a.Name] = a.Value.GetString() ?? "";
        var state = new ContainerState
        {
            Id = e.GetProperty("id").GetString()!,
            Bundle = e.GetProperty("bundle").GetString()!,
            Status = ParseStatus(e.GetProperty("status").GetString()),
            Pid = e.TryGetProperty("pid", out JsonElement pid) ? pid.GetInt32() : 0,
            PidStartTime = e.TryGetProperty("userkernel.pidStartTime", out JsonElement st) ? st.GetInt64() : 0,
            Created = e.TryGetProperty("created", out JsonElement c) ? DateTime.Parse(c.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind) : default,
            Annotations = annotations,
        };
        // The sandbox is gone (exited, killed) without saying so: the container has stopped.
        if (state.Status is ContainerStatus.Created or ContainerStatus.Running && !IsAlive(state.Pid, state.PidStartTime))
            state = state with { Status = ContainerStatus.Stopped };
        return state;
    }

    /// <summary>Writes this record as ROOT/ID/state.json, whole.</summary>
    public void Save(string root)
    {
        string path = StatePath(root, Id), temporary = path + ".new";
        File.WriteAllBytes(temporary, ToJson(includePrivate: true));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The state document of runtime-spec's "state" operation (and, with the private fields, the file).</summary>
    public byte[] ToJson(bool includePrivate)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("ociVersion", OciVersion);
            json.WriteString("id", Id);
            json.WriteString("status", StatusName(Status));
            if (Status is ContainerStatus.Created or ContainerStatus.Running || includePrivate) json.WriteNumber("pid", Pid);
            json.WriteString("bundle", Bundle);
            json.WriteString("created", Created.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture));
            json.WriteStartObject("annotations");
            foreach (var (k, v) in Annotations) json.WriteString(k, v);
            json.WriteEndObject();
            if (includePrivate) json.WriteNumber("userkernel.pidStartTime", PidStartTime);
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    public static string StatusName(ContainerStatus s) => s switch
    {
        ContainerStatus.Creating => "creating",
        ContainerStatus.Created => "created",
        ContainerStatus.Running => "running",
        _ => "stopped",
    };

    private static ContainerStatus ParseStatus(string? s) => s switch
    {
        "creating" => ContainerStatus.Creating,
        "created" => ContainerStatus.Created,
        "running" => ContainerStatus.Running,
        _ => ContainerStatus.Stopped,
    };

    /// <summary>Field 22 of /proc/PID/stat, the process's start time in clock ticks after boot; 0 if it is gone.</summary>
    public static long StartTimeOf(int pid)
    {
        string text;
        try { text = File.ReadAllText($"/proc/{pid}/stat", Encoding.ASCII); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return 0; }
        string[] fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Length > 19 && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out long t) ? t : 0;
    }

    /// <summary>Whether <paramref name="pid"/> is still the process that started at <paramref name="startTime"/> (and not a zombie).</summary>
    public static bool IsAlive(int pid, long startTime)
    {
        if (pid <= 0 || StartTimeOf(pid) != startTime) return false;
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat", Encoding.ASCII);
            return stat[stat.LastIndexOf(')') + 2] is not ('Z' or 'X');
        }
        catch (IOException) { return false; }
    }
}
