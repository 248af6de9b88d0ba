using System.IO;
using System.Text;
using System.Text.Json;

namespace UserKernel.Tools.Commands.Runtime;

/// <summary>`features` (runtime-spec's features.json: what this runtime honours) and `spec` (a starting config.json).</summary>
internal static class RuntimeFeatures
{
    public static string Json()
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("ociVersionMin", "1.0.0");
            w.WriteString("ociVersionMax", ContainerState.OciVersion);
            Strings(w, "hooks", "prestart", "createRuntime", "createContainer", "poststart", "poststop");
            Strings(w, "mountOptions", "ro", "rw", "bind", "rbind", "mode", "size", "nosuid", "nodev", "noexec", "rprivate");
            w.WriteStartObject("linux");
            Strings(w, "namespaces");
            Strings(w, "capabilities", Kernel.Tasks.Capabilities.Names);
            w.WriteEndObject();
            w.WriteStartObject("annotations");
            w.WriteString("org.userkernel.kernel", "a user-space kernel in C#; guests are traced host processes");
            w.WriteEndObject();
            w.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Strings(Utf8JsonWriter w, string name, params string[] values)
    {
        w.WriteStartArray(name);
        foreach (string v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    /// <summary>A config.json to start from: sh on a terminal in ./rootfs, as root, with the mounts a container expects.</summary>
    public const string DefaultSpec = """
        {
          "ociVersion": "1.0.2",
          "process": {
            "terminal": true,
            "user": { "uid": 0, "gid": 0 },
            "args": [ "sh" ],
            "env": [ "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm" ],
            "cwd": "/",
            "noNewPrivileges": true
          },
          "root": { "path": "rootfs", "readonly": true },
          "hostname": "userkernel",
          "mounts": [
            { "destination": "/proc", "type": "proc", "source": "proc" },
            { "destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": [ "nosuid", "mode=755" ] },
            { "destination": "/dev/pts", "type": "devpts", "source": "devpts" },
            { "destination": "/sys", "type": "sysfs", "source": "sysfs", "options": [ "ro" ] }
          ]
        }

        """;
}
