using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Parsing;

namespace UserKernel.Tools.CommandLine;

/// <summary>
/// The kinds of option userkernel's commands have, made the same way everywhere: a flag, an option whose last
/// value wins, a repeatable option. A value the option's parser refuses becomes a parse error with the parser's
/// message, so parsing returns a value or an error and never exits.
/// </summary>
internal static class CliOptions
{
    /// <summary>A flag: present or not. It takes no value, so the word after it is never eaten.</summary>
    public static Option<bool> Flag(string name, string description, params string[] aliases) =>
        new(name, aliases) { Arity = ArgumentArity.Zero, Description = description };

    /// <summary>An option with one value; given twice, the last one wins (as the hand parsers had it).</summary>
    public static Option<string?> Single(string name, string helpName, string description, params string[] aliases) =>
        Single<string?>(name, helpName, description, value => value, aliases);

    /// <summary>An option with one value made by <paramref name="parse"/>, which throws a <see cref="UsageException"/> for a bad one.</summary>
    public static Option<T> Single<T>(string name, string helpName, string description, Func<string, T> parse, params string[] aliases) =>
        new(name, aliases)
        {
            // OneOrMore takes every occurrence (each still has one value), so the last can win instead of being an error.
            Arity = ArgumentArity.OneOrMore,
            HelpName = helpName,
            Description = description,
            CustomParser = result => Parsed(result, result.Tokens[^1].Value, parse),
        };

    /// <summary>A repeatable option: every value, in order, each made by <paramref name="parse"/>.</summary>
    public static Option<List<T>> Repeatable<T>(string name, string helpName, string description, Func<string, T> parse) =>
        new(name)
        {
            Arity = ArgumentArity.OneOrMore,
            HelpName = helpName,
            Description = description,
            CustomParser = result =>
            {
                var values = new List<T>(result.Tokens.Count);
                foreach (Token token in result.Tokens) values.Add(Parsed(result, token.Value, parse));
                return values;
            },
        };

    /// <summary>A repeatable option of plain words.</summary>
    public static Option<List<string>> Repeatable(string name, string helpName, string description) =>
        Repeatable(name, helpName, description, value => value);

    /// <summary><paramref name="option"/>, left out of --help and completions.</summary>
    public static Option<T> Hide<T>(Option<T> option)
    {
        option.Hidden = true;
        return option;
    }

    private static T Parsed<T>(ArgumentResult result, string value, Func<string, T> parse)
    {
        try { return parse(value); }
        catch (UsageException ex)
        {
            result.AddError(ex.Message);
            return default!;
        }
    }
}
