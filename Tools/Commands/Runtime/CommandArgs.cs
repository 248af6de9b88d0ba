using System;
using System.Collections.Generic;

namespace UserKernel.Tools.Commands.Runtime;

/// <summary>
/// A runtime command's own arguments: options (--name VALUE, --name=VALUE, -n VALUE, boolean flags) before the first
/// positional argument, as runc takes them; everything from the container id on is positional. Options are taken
/// by the command as it reads them; one left over is an error when the id is asked for.
/// </summary>
public sealed class CommandArgs
{
    private readonly string verb;
    private readonly List<string> options = new();

    /// <param name="valueOptions">The options of this command that take a value (the others are flags).</param>
    public CommandArgs(string verb, string[] args, params string[] valueOptions)
    {
        this.verb = verb;
        int i = 0;
        for (; i < args.Length && args[i].StartsWith('-') && args[i] != "-"; i++)
        {
            if (args[i] == "--") { i++; break; }
            options.Add(args[i]);
            if (Array.IndexOf(valueOptions, args[i]) >= 0)
            {
                if (++i >= args.Length) throw new UsageException($"{verb}: {args[i - 1]} needs a value");
                options.Add(args[i]);
            }
        }
        Positional = args[i..];
    }

    public IReadOnlyList<string> Positional { get; }

    /// <summary>The value of an option under any of <paramref name="names"/>, or null; the last one given wins.</summary>
    public string? Option(params string[] names) => Options(names) is { Count: > 0 } all ? all[^1] : null;

    /// <summary>Every value of a repeatable option.</summary>
    public List<string> Options(params string[] names)
    {
        var values = new List<string>();
        for (int i = 0; i < options.Count; i++)
        {
            string o = options[i];
            foreach (string name in names)
            {
                if (o.StartsWith(name + "=", StringComparison.Ordinal))
                {
                    values.Add(o[(name.Length + 1)..]);
                    options.RemoveAt(i--);
                    break;
                }
                if (o != name) continue;
                options.RemoveAt(i);
                if (i >= options.Count) throw new UsageException($"{verb}: {name} needs a value");
                values.Add(options[i]);
                options.RemoveAt(i);
                i--;
                break;
            }
        }
        return values;
    }

    /// <summary>Whether a boolean flag was given (also as --flag=true).</summary>
    public bool Flag(params string[] names)
    {
        bool set = false;
        for (int i = 0; i < options.Count; i++)
            foreach (string name in names)
                if (options[i] == name || options[i] == name + "=true") { set = true; options.RemoveAt(i--); break; }
                else if (options[i] == name + "=false") { options.RemoveAt(i--); break; }
        return set;
    }

    /// <summary>The container id, the first positional argument; unknown options left over are an error.</summary>
    public string Id()
    {
        if (options.Count > 0) throw new UsageException($"{verb}: unknown option {options[0]}");
        if (Positional.Count == 0) throw new UsageException($"{verb}: no container id given");
        return Positional[0];
    }

    public void NoPositional()
    {
        if (options.Count > 0) throw new UsageException($"{verb}: unknown option {options[0]}");
        if (Positional.Count > 0) throw new UsageException($"{verb}: unexpected argument '{Positional[0]}'");
    }
}
