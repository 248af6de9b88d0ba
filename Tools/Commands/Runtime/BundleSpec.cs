using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace UserKernel.Tools.Commands.Runtime;

/// <summary>One entry of config.json's "mounts".</summary>
public sealed record SpecMount(string Destination, string Type, string Source, IReadOnlyList<string> Options)
{
    public bool ReadOnly => Options.Contains("ro");
}

/// <summary>One entry of "process.rlimits": RLIMIT_NOFILE and its limits.</summary>
public sealed record SpecRlimit(string Type, ulong Soft, ulong Hard);

/// <summary>One hook: a host program with its arguments, environment and timeout in seconds.</summary>
public sealed record SpecHook(string Path, IReadOnlyList<string> Args, IReadOnlyList<string> Env, int? Timeout);

/// <summary>"process": what runs in the container (also the document `exec --process` reads).</summary>
public sealed record SpecProcess
{
    public IReadOnlyList<string> Args { get; init; } = [];
    public IReadOnlyList<string> Env { get; init; } = [];
    public string Cwd { get; init; } = "/";
    public uint Uid { get; init; }
    public uint Gid { get; init; }
    public IReadOnlyList<uint> AdditionalGids { get; init; } = [];
    public bool Terminal { get; init; }
    public bool NoNewPrivileges { get; init; }
    public IReadOnlyList<SpecRlimit> Rlimits { get; init; } = [];
    /// <summary>The capability sets by name ("effective", "bounding", ...), each a list of CAP_* names.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Capabilities { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
}

/// <summary>
/// The parts of an OCI bundle's config.json (runtime-spec 1.x) that a user-space kernel can honour, read with
/// JsonDocument (no reflection, so the NativeAOT build needs no serializer). What it cannot honour is listed in
/// <see cref="Ignored"/>, so the runtime can say so rather than drop it silently.
/// </summary>
public sealed record BundleSpec
{
    public string OciVersion { get; init; } = "";
    public SpecProcess Process { get; init; } = new();
    public string RootPath { get; init; } = "";
    public bool RootReadOnly { get; init; }
    public string? Hostname { get; init; }
    public IReadOnlyList<SpecMount> Mounts { get; init; } = [];
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, IReadOnlyList<SpecHook>> Hooks { get; init; } = new Dictionary<string, IReadOnlyList<SpecHook>>();
    /// <summary>Settings present in the document that the kernel does not honour (for the runtime log).</summary>
    public IReadOnlyList<string> Ignored { get; init; } = [];

    /// <summary>Reads BUNDLE/config.json; the root path is made absolute against the bundle. Throws <see cref="UsageException"/>.</summary>
    public static BundleSpec Load(string bundle) => Load(bundle, System.IO.Path.Combine(bundle, "config.json"));

    /// <summary>The config.json a container was created with (<see cref="ContainerState.ConfigPath"/>; the bundle's if there is no copy).</summary>
    public static BundleSpec Load(string root, ContainerState state)
    {
        string saved = ContainerState.ConfigPath(root, state.Id);
        return File.Exists(saved) ? Load(state.Bundle, saved) : Load(state.Bundle);
    }

    private static BundleSpec Load(string bundle, string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { throw new UsageException($"cannot read {path}: {ex.Message}"); }
        try
        {
            using JsonDocument doc = JsonDocument.Parse(bytes);
            return Parse(doc.RootElement, bundle);
        }
        catch (JsonException ex) { throw new UsageException($"{path}: not valid JSON: {ex.Message}"); }
        catch (InvalidOperationException ex) { throw new UsageException($"{path}: {ex.Message}"); }
    }

    private static BundleSpec Parse(JsonElement root, string bundle)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new UsageException("config.json is not a JSON object");
        var ignored = new List<string>();
        // The spec's version, in SemVer 2.0 (1.0.0, 1.1.0-rc.1): a runtime of 1.x takes major version 1 only.
        string version = String(root, "ociVersion") ?? throw new UsageException("config.json has no \"ociVersion\"");
        if (!System.Text.RegularExpressions.Regex.IsMatch(version, @"^1\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$"))
            throw new UsageException($"config.json: ociVersion '{version}' is not a 1.x version of the runtime spec (SemVer 2.0)");
        if (!root.TryGetProperty("process", out JsonElement process)) throw new UsageException("config.json has no \"process\"");
        if (!root.TryGetProperty("root", out JsonElement rootElement) || String(rootElement, "path") is not { Length: > 0 } rootPath)
            throw new UsageException("config.json has no \"root.path\"");
        var mounts = new List<SpecMount>();
        if (root.TryGetProperty("mounts", out JsonElement ms))
            foreach (JsonElement m in ms.EnumerateArray())
                mounts.Add(new SpecMount(String(m, "destination") ?? throw new UsageException("a mount has no \"destination\""),
                    String(m, "type") ?? "bind", String(m, "source") ?? "", Strings(m, "options")));
        var hooks = new Dictionary<string, IReadOnlyList<SpecHook>>();
        if (root.TryGetProperty("hooks", out JsonElement hs))
            foreach (JsonProperty kind in hs.EnumerateObject())
            {
                var list = new List<SpecHook>();
                foreach (JsonElement h in kind.Value.EnumerateArray())
                    list.Add(new SpecHook(String(h, "path") ?? throw new UsageException($"a {kind.Name} hook has no \"path\""),
                        Strings(h, "args"), Strings(h, "env"), h.TryGetProperty("timeout", out JsonElement t) ? t.GetInt32() : null));
                hooks[kind.Name] = list;
            }
        var annotations = new Dictionary<string, string>();
        if (root.TryGetProperty("annotations", out JsonElement an))
            foreach (JsonProperty a in an.EnumerateObject()) annotations[a.Name] = a.Value.GetString() ?? "";
        if (root.TryGetProperty("linux", out JsonElement linux))
            foreach (JsonProperty p in linux.EnumerateObject())
                if (p.Name is "resources" or "cgroupsPath" or "seccomp" or "sysctl" or "devices" or "uidMappings" or "gidMappings"
                    or "maskedPaths" or "readonlyPaths" or "mountLabel" or "intelRdt" or "personality")
                    ignored.Add("linux." + p.Name);
        foreach (string other in new[] { "solaris", "windows", "vm", "domainname" })
            if (root.TryGetProperty(other, out _)) ignored.Add(other);
        string bundleRoot = System.IO.Path.IsPathRooted(rootPath) ? rootPath : System.IO.Path.GetFullPath(System.IO.Path.Combine(bundle, rootPath));
        return new BundleSpec
        {
            OciVersion = String(root, "ociVersion") ?? "",
            Process = ParseProcess(process, ignored),
            RootPath = bundleRoot,
            RootReadOnly = rootElement.TryGetProperty("readonly", out JsonElement ro) && ro.ValueKind == JsonValueKind.True,
            Hostname = String(root, "hostname"),
            Mounts = mounts,
            Annotations = annotations,
            Hooks = hooks,
            Ignored = ignored,
        };
    }

    /// <summary>A "process" object: config.json's, or the whole document of `exec --process`.</summary>
    public static SpecProcess ParseProcess(JsonElement p, List<string> ignored)
    {
        var args = Strings(p, "args");
        if (args.Count == 0) throw new UsageException("process.args is empty: nothing to run");
        uint uid = 0, gid = 0;
        var groups = new List<uint>();
        if (p.TryGetProperty("user", out JsonElement user))
        {
            uid = user.TryGetProperty("uid", out JsonElement u) ? u.GetUInt32() : 0;
            gid = user.TryGetProperty("gid", out JsonElement g) ? g.GetUInt32() : 0;
            if (user.TryGetProperty("additionalGids", out JsonElement ag)) foreach (JsonElement x in ag.EnumerateArray()) groups.Add(x.GetUInt32());
            if (user.TryGetProperty("umask", out _)) ignored.Add("process.user.umask");
        }
        var rlimits = new List<SpecRlimit>();
        if (p.TryGetProperty("rlimits", out JsonElement rl))
            foreach (JsonElement r in rl.EnumerateArray())
                rlimits.Add(new SpecRlimit(String(r, "type") ?? "", r.GetProperty("soft").GetUInt64(), r.GetProperty("hard").GetUInt64()));
        var caps = new Dictionary<string, IReadOnlyList<string>>();
        if (p.TryGetProperty("capabilities", out JsonElement cs))
            foreach (JsonProperty set in cs.EnumerateObject()) caps[set.Name] = Strings(cs, set.Name);
        foreach (string other in new[] { "apparmorProfile", "selinuxLabel", "oomScoreAdj", "ioPriority", "scheduler", "consoleSize" })
            if (p.TryGetProperty(other, out _)) ignored.Add("process." + other);
        return new SpecProcess
        {
            Args = args,
            Env = Strings(p, "env"),
            Cwd = String(p, "cwd") is { Length: > 0 } cwd ? cwd : "/",
            Uid = uid,
            Gid = gid,
            AdditionalGids = groups,
            Terminal = p.TryGetProperty("terminal", out JsonElement t) && t.ValueKind == JsonValueKind.True,
            NoNewPrivileges = p.TryGetProperty("noNewPrivileges", out JsonElement n) && n.ValueKind == JsonValueKind.True,
            Rlimits = rlimits,
            Capabilities = caps,
        };
    }

    private static string? String(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static List<string> Strings(JsonElement e, string name)
    {
        var list = new List<string>();
        if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Array)
            foreach (JsonElement s in v.EnumerateArray()) list.Add(s.GetString() ?? "");
        return list;
    }
}
