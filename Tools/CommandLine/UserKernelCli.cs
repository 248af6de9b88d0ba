using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.IO;
using UserKernel.Kernel.Trace;
using UserKernel.Tools.Commands;
using UserKernel.Tools.Commands.Image;
using UserKernel.Tools.Commands.Runtime;
using UserKernel.Tools.Commands.Trace;

namespace UserKernel.Tools.CommandLine;

/// <summary>
/// userkernel's command line as one System.CommandLine tree: each command defines its options, arguments and
/// descriptions, and `--help` (per command) and completions are made from them. Parsing gives a value or an
/// error; an error is one line, "userkernel: COMMAND: ...", and exit status 125.
/// </summary>
public static class UserKernelCli
{
    /// <summary>What `userkernel --help` says before the list of commands.</summary>
    private const string Description = """
        run Linux programs on a user-space kernel

        userkernel runs Linux programs in a guest system whose kernel is userkernel's own, a user-space kernel
        that mediates their syscalls under ptrace: `run` a guest command, list the `syscalls` table, make
        `image`s, report on a `trace`, or serve as an OCI `runtime`. 'userkernel COMMAND --help' tells more.

        Exit status: the guest's own (128+N if it died of signal N), or 125 when userkernel itself fails.
        """;

    /// <summary>Each command's name and how to define it.</summary>
    private static readonly (string Name, Func<Command> Define)[] Commands =
    [
        ("run", RunCommand.Definition),
        ("syscalls", SyscallsCommand.Definition),
        ("image", ImageCommand.Definition),
        ("trace", TraceCommand.Definition),
        ("runtime", RuntimeCommand.Definition),
    ];

    /// <summary>
    /// The command tree; with <paramref name="only"/> naming a command, the root holds that command alone, which parses
    /// and helps exactly as in the whole tree: a run does not define the image verbs it never uses (a millisecond).
    /// </summary>
    public static RootCommand Root(string? only = null)
    {
        var root = new RootCommand(Description);
        bool known = Array.Exists(Commands, c => c.Name == only);
        foreach ((string name, Func<Command> define) in Commands)
            if (!known || name == only) root.Subcommands.Add(define());
        foreach (Option option in root.Options)
            if (option is System.CommandLine.Help.HelpOption help) help.Action = new HelpPage();
        return root;
    }

    /// <summary>
    /// Parses <paramref name="args"/>. Words starting with '@' are the guest's (no response files), and run's words
    /// are spelled as System.CommandLine must see them (<see cref="RunCommand.Spelled"/>).
    /// </summary>
    public static ParseResult Parse(string[] args)
    {
        RootCommand root = Root(args.Length > 0 ? args[0] : null);
        StartupProfile.Mark("command line defined");
        ParseResult result = root.Parse(args.Length > 0 && args[0] == "run" ? RunCommand.Spelled(args) : args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        StartupProfile.Mark("command line parsed");
        return result;
    }

    /// <summary>
    /// Parses and runs the command <paramref name="args"/> name; help goes to <paramref name="output"/>. A parse
    /// error is a <see cref="UsageException"/>; the command's own exceptions pass through to the caller.
    /// </summary>
    public static int Invoke(string[] args, TextWriter output)
    {
        // `userkernel help` is `userkernel --help`, as before.
        if (args is ["help"]) args = ["--help"];
        // The runtime parses its own words, runc's way (RuntimeCommand.Definition).
        if (args is ["runtime", ..]) return RuntimeCommand.Execute(args[1..]);
        ParseResult result = Parse(args);
        if (Error(result) is string error) throw new UsageException(error);
        return result.Invoke(new InvocationConfiguration { Output = output, EnableDefaultExceptionHandler = false });
    }

    /// <summary>The one-line error a parse result stands for (without "userkernel: "), or null when it parsed.</summary>
    public static string? Error(ParseResult result)
    {
        string path = CommandPath(result.CommandResult);
        string prefix = path.Length > 0 ? path + ": " : "";
        string help = path.Length > 0 ? $"userkernel {path} --help" : "userkernel --help";
        // --help and [suggest] clear the errors of what else was given.
        if (result.Action is not ParseErrorAction || result.Errors.Count == 0)
            return UnknownOptionCaptured(result) is string word ? $"{prefix}unknown option '{word}'; try '{help}'" : null;
        if (result.UnmatchedTokens.Count > 0)
        {
            string word = result.UnmatchedTokens[0];
            if (word.StartsWith('-') && word != "-") return $"{prefix}unknown option '{word}'; try '{help}'";
            if (path.Length == 0) return $"unknown command '{word}'; try '{help}'";
            return result.CommandResult.Command.Subcommands.Count > 0
                ? $"{prefix}unknown verb '{word}'; try '{help}'"
                : $"{prefix}unexpected argument '{word}'; try '{help}'";
        }
        ParseError first = result.Errors[0];
        if (first.SymbolResult is OptionResult { Tokens.Count: 0, IdentifierToken: { } option } o && o.Option.Arity.MinimumNumberOfValues > 0)
            return $"{prefix}{option.Value} needs a value";
        if (first.SymbolResult is CommandResult command && command.Command.Subcommands.Count > 0 && !command.Children.GetEnumerator().MoveNext() && command.Tokens.Count == 0)
            return path.Length > 0 ? $"{prefix}no verb given; try '{help}'" : $"no command given; try '{help}'";
        // The commands' own messages already name the command; the library's are given one.
        string message = first.Message.ReplaceLineEndings(" ").Replace('\t', ' ').TrimEnd('.');
        if (path.Length > 0 && message.StartsWith(prefix, StringComparison.Ordinal)) return message;
        return $"{prefix}{message}; try '{help}'";
    }

    /// <summary>
    /// The word an argument that captures the rest (run's COMMAND) took although it starts with '-' and no `--` came
    /// before it: an option the command does not know, which System.CommandLine would hand to the guest.
    /// </summary>
    private static string? UnknownOptionCaptured(ParseResult result)
    {
        // Only for the command's own action: --help and the [suggest] directive (completions) take any words.
        if (result.Action is null || result.Action != result.CommandResult.Command.Action) return null;
        foreach (SymbolResult child in result.CommandResult.Children)
        {
            if (child is not ArgumentResult { Argument.CaptureRemainingTokens: true, Tokens: [Token first, ..] }) continue;
            if (!first.Value.StartsWith('-')) return null;
            int at = IndexOf(result.Tokens, first);
            return at > 0 && result.Tokens[at - 1].Type == TokenType.DoubleDash ? null : first.Value;
        }
        return null;
    }

    private static int IndexOf(IReadOnlyList<Token> tokens, Token token)
    {
        for (int i = 0; i < tokens.Count; i++)
            if (ReferenceEquals(tokens[i], token)) return i;
        return -1;
    }

    /// <summary>"run", "image build", "trace report"; "" for the root.</summary>
    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is CommandResult c && c.Command is not RootCommand; r = r.Parent) names.Insert(0, c.Command.Name);
        return string.Join(' ', names);
    }
}
