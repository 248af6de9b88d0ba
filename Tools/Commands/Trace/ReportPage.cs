using System.IO;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace UserKernel.Tools.Commands.Trace;

/// <summary>
/// The report as one HTML file: the trace's data as JSON in a script element, and the page's own CSS and script
/// (report.css, report.js, embedded in this program) inline, so it opens anywhere without a network.
/// </summary>
internal static class ReportPage
{
    public static void Write(TraceLog log, string source, int top, Stream output)
    {
        using var writer = new StreamWriter(output, new UTF8Encoding(false), leaveOpen: true);
        writer.Write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>userkernel trace: ");
        writer.Write(WebUtility.HtmlEncode(source));
        writer.Write("</title>\n<style>\n");
        writer.Write(Resource("report.css"));
        writer.Write("</style>\n</head>\n<body>\n<h1>userkernel trace report: ");
        writer.Write(WebUtility.HtmlEncode(source));
        writer.Write("</h1>\n<noscript>This report draws itself with JavaScript.</noscript>\n<div id=\"app\"></div>\n");
        // The default encoder escapes <, > and &, so no string in the data can end the script element.
        writer.Write("<script type=\"application/json\" id=\"trace-data\">");
        writer.Flush();
        WriteData(log, source, top, output);
        writer.Write("</script>\n<script>\n");
        writer.Write(Resource("report.js"));
        writer.Write("</script>\n</body>\n</html>\n");
    }

    private static void WriteData(TraceLog log, string source, int top, Stream output)
    {
        using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        json.WriteString("source", source);
        json.WriteNumber("top", top);
        json.WriteStartArray("processes");
        foreach (TracedProcess p in log.Processes.Values)
        {
            json.WriteStartObject();
            json.WriteNumber("pid", p.Pid);
            json.WriteNumber("parent", p.Parent);
            json.WriteString("name", TraceLog.NameOf(p));
            json.WriteStartArray("programs");
            foreach (string program in p.Programs) json.WriteStringValue(program);
            json.WriteEndArray();
            json.WriteStartArray("threads");
            foreach (int tid in p.Threads) json.WriteNumberValue(tid);
            json.WriteEndArray();
            if (p.Exit != null) json.WriteString("exit", p.Exit);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        // Calls as arrays, not objects: a long trace has hundreds of thousands of them.
        json.WriteStartArray("calls");
        foreach (TracedCall c in log.Calls)
        {
            json.WriteStartArray();
            json.WriteNumberValue(c.Tid);
            json.WriteNumberValue(c.Pid);
            json.WriteStringValue(c.Name);
            json.WriteStringValue(c.Disposition);
            json.WriteNumberValue(Micros(c.StartNs));
            json.WriteNumberValue(Micros(c.DurationNs));
            json.WriteNumberValue(Micros(c.KernelNs));
            json.WriteNumberValue(c.Failed ? 1 : 0);
            json.WriteStringValue(c.Text);
            json.WriteEndArray();
        }
        json.WriteEndArray();
        json.WriteStartArray("marks");
        foreach (TaskMark m in log.Marks)
        {
            json.WriteStartArray();
            json.WriteStringValue(m.Kind);
            json.WriteNumberValue(m.Pid);
            json.WriteNumberValue(m.Tid);
            json.WriteNumberValue(Micros(m.AtNs));
            json.WriteStringValue(m.Text);
            json.WriteEndArray();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Microseconds, to the nanosecond.</summary>
    private static double Micros(long ns) => ns / 1000.0;

    private static string Resource(string name)
    {
        using Stream stream = typeof(ReportPage).Assembly.GetManifestResourceStream("UserKernel.Tools.Commands.Trace." + name)
            ?? throw new FileNotFoundException($"the report's {name} is missing from the program (a build error)");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
