using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Invocation;
using System.IO;
using System.Text;

namespace UserKernel.Tools.CommandLine;

/// <summary>
/// `--help` for every command, written from the command's definition: its description, a usage line, its arguments,
/// options and verbs. System.CommandLine 3.0 keeps its help builder's customisation internal, and its page would
/// print each verb's whole description in its parent's list; here a description's first line is its summary, the
/// only line a list shows.
/// </summary>
internal sealed class HelpPage : SynchronousCommandLineAction
{
    /// <summary>Where the first column ends at most; a longer label puts its text on the next line.</summary>
    private const int LabelWidth = 28;

    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        parseResult.InvocationConfiguration.Output.Write(Write(parseResult.CommandResult.Command));
        return 0;
    }

    /// <summary>The page of <paramref name="command"/>.</summary>
    public static string Write(Command command)
    {
        var page = new StringBuilder();
        page.Append("usage: ").Append(Usage(command)).Append("\n\n");
        page.Append(command.Description?.TrimEnd()).Append('\n');

        var rows = new List<(string, string)>();
        foreach (Argument argument in command.Arguments)
            if (!argument.Hidden) rows.Add((ArgumentLabel(argument), argument.Description ?? ""));
        Section(page, "arguments", rows);

        rows.Clear();
        foreach (Option option in command.Options)
            if (!option.Hidden && option is not System.CommandLine.Help.HelpOption) rows.Add((OptionLabel(option), option.Description ?? ""));
        // The root's --help is every command's (a recursive option).
        rows.Add(("-h, --help", "show this help"));
        Section(page, "options", rows);

        rows.Clear();
        foreach (Command verb in command.Subcommands)
            if (!verb.Hidden) rows.Add((verb.Name + Arguments(verb, inList: true), Summary(verb)));
        Section(page, command.Parents.GetEnumerator().MoveNext() ? "verbs" : "commands", rows);
        return page.ToString();
    }

    /// <summary>A description's first line.</summary>
    public static string Summary(Command command) => (command.Description ?? "").Split('\n', 2)[0].TrimEnd();

    private static string Usage(Command command)
    {
        var words = new List<string>();
        for (Symbol? s = command; s is Command c; s = ParentOf(c)) words.Insert(0, c is RootCommand ? "userkernel" : c.Name);
        var usage = new StringBuilder(string.Join(' ', words));
        if (command.Subcommands.Count > 0) usage.Append(command is RootCommand ? " COMMAND" : " VERB").Append(" [ARG...]");
        else
        {
            if (command.Options.Count > 0) usage.Append(" [OPTIONS]");
            usage.Append(Arguments(command, inList: false));
        }
        return usage.ToString();
    }

    private static Symbol? ParentOf(Command command)
    {
        foreach (Symbol parent in command.Parents) return parent;
        return null;
    }

    /// <summary>
    /// " IMG [PATH]", " PROGRAM...", " [[--] COMMAND [ARG...]]": the arguments as a usage line writes them; a list of
    /// verbs leaves out the command line an argument captures.
    /// </summary>
    private static string Arguments(Command command, bool inList)
    {
        var text = new StringBuilder();
        foreach (Argument argument in command.Arguments)
        {
            if (argument.Hidden || (inList && argument.CaptureRemainingTokens)) continue;
            string label = argument.CaptureRemainingTokens ? "[--] " + ArgumentLabel(argument) : ArgumentLabel(argument);
            text.Append(' ').Append(argument.Arity.MinimumNumberOfValues == 0 ? "[" + label + "]" : label);
        }
        return text.ToString();
    }

    private static string ArgumentLabel(Argument argument) =>
        argument.CaptureRemainingTokens ? argument.Name + " [ARG...]"
        : argument.Arity.MaximumNumberOfValues > 1 ? argument.Name + "..." : argument.Name;

    /// <summary>"-o, --output IMG"; a HelpName starting with "[=" is an optional value that must be attached (--trace[=FILE]).</summary>
    private static string OptionLabel(Option option)
    {
        var names = new List<string>(option.Aliases);
        names.Sort((a, b) => a.Length.CompareTo(b.Length));
        names.Add(option.Name);
        string label = string.Join(", ", names);
        if (option.HelpName is { } value) label += value.StartsWith("[=", StringComparison.Ordinal) ? value : " " + value;
        return label;
    }

    /// <summary>Two columns; a description's own line breaks are kept, each line indented to the second column.</summary>
    private static void Section(StringBuilder page, string title, List<(string Label, string Text)> rows)
    {
        if (rows.Count == 0) return;
        int width = 0;
        foreach ((string label, _) in rows)
            if (label.Length <= LabelWidth) width = Math.Max(width, label.Length);
        string indent = new(' ', width + 4);
        page.Append('\n').Append(title).Append(":\n");
        foreach ((string label, string text) in rows)
        {
            page.Append("  ").Append(label);
            string[] lines = text.TrimEnd().Split('\n');
            if (label.Length > width) page.Append('\n').Append(indent);
            else page.Append(' ', width - label.Length + 2);
            page.Append(lines[0]);
            for (int i = 1; i < lines.Length; i++) page.Append('\n').Append(indent).Append(lines[i]);
            page.Append('\n');
        }
    }
}
