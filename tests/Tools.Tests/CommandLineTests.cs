using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Invocation;
using System.IO;
using System.Linq;
using UserKernel.Kernel;
using UserKernel.Tools.CommandLine;
using UserKernel.Tools.Commands;
using Xunit;

namespace UserKernel.Tools.Tests;

/// <summary>The command line as System.CommandLine parses it: what good input means, what bad input says, what --help shows.</summary>
public class CommandLineTests
{
    private static RunCommand.Options Run(params string[] args)
    {
        ParseResult result = UserKernelCli.Parse(["run", .. args]);
        Assert.True(UserKernelCli.Error(result) is null, UserKernelCli.Error(result));
        return RunCommand.OptionsOf(result);
    }

    private static string? Error(params string[] args) => UserKernelCli.Error(UserKernelCli.Parse(args));

    [Fact]
    public void Everything_after_the_double_dash_is_the_guests_even_options()
    {
        // Act
        RunCommand.Options o = Run("--image", "x.img", "--", "sh", "-c", "echo $0", "--trace", "--", "@file");

        // Assert
        Assert.Equal("x.img", o.Image);
        Assert.False(o.TraceToStderr);
        Assert.Equal(["sh", "-c", "echo $0", "--trace", "--", "@file"], o.Command);
    }

    [Fact]
    public void The_guest_command_may_start_without_a_double_dash()
    {
        // Act
        RunCommand.Options o = Run("--env", "A=B", "sh", "-c", "x", "--image", "y", "--env=C=D", "-h");

        // Assert
        Assert.Null(o.Image);
        Assert.Equal(["A=B"], o.Env);
        Assert.Equal(["sh", "-c", "x", "--image", "y", "--env=C=D", "-h"], o.Command);
    }

    [Fact]
    public void Trace_alone_is_a_flag_and_trace_equals_names_a_file()
    {
        // Act
        RunCommand.Options toStderr = Run("--trace", "/bin/true");
        RunCommand.Options toFile = Run("--trace=t.log", "/bin/true", "--trace=guest");

        // Assert
        Assert.True(toStderr.TraceToStderr);
        Assert.Null(toStderr.TraceFile);
        Assert.Equal(["/bin/true"], toStderr.Command);
        Assert.False(toFile.TraceToStderr);
        Assert.Equal("t.log", toFile.TraceFile);
        Assert.Equal(["/bin/true", "--trace=guest"], toFile.Command);
    }

    [Fact]
    public void Repeatable_options_keep_every_value_in_order()
    {
        // Act
        RunCommand.Options o = Run("--bind", "/a:/x", "--bind=/b:/y:ro", "--layer", "1.tar", "--layer", "2.tar", "--extension", "e.dll",
            "--mount", "tmpfs:/t:mode=700", "--mount=proc:/p", "--break-on=openat,read", "--break-on", "close", "--", "true");

        // Assert
        Assert.Equal([("/a", "/x", false), ("/b", "/y", true)], o.Binds.Select(b => (b.Host, b.Guest, b.ReadOnly)));
        Assert.Equal(["1.tar", "2.tar"], o.Layers);
        Assert.Equal(["e.dll"], o.Extensions);
        Assert.Equal([("tmpfs", "/t", "mode=700"), ("proc", "/p", "")], o.FilesystemMounts.Select(m => (m.Type, m.Guest, m.Options)));
        Assert.Equal(["close", "openat", "read"], o.BreakOn.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Typed_values_and_defaults()
    {
        // Act
        RunCommand.Options given = Run("--net", "none", "--pids-limit=64", "--disk-size", "1G", "--hostname", "h", "--workdir", "/w", "--read-only", "true");
        RunCommand.Options defaults = Run("true");

        // Assert
        Assert.Equal(NetworkMode.None, given.Network);
        Assert.Equal(64, given.PidsLimit);
        Assert.Equal(1L << 30, given.DiskSize);
        Assert.Equal(("h", "/w"), (given.Hostname, given.Workdir));
        Assert.True(given.ReadOnly);
        Assert.Equal(["true"], given.Command);
        Assert.Equal((NetworkMode.Host, KernelOptions.DefaultPidsLimit, "userkernel", (long?)null), (defaults.Network, defaults.PidsLimit, defaults.Hostname, defaults.DiskSize));
    }

    [Fact]
    public void A_single_valued_option_given_twice_keeps_the_last()
    {
        Assert.Equal("b.img", Run("--image", "a.img", "--image=b.img", "true").Image);
    }

    [Fact]
    public void A_trace_filter_alone_traces_to_stderr()
    {
        Assert.True(Run("--trace-filter=file", "true").TraceToStderr);
        Assert.False(Run("--trace-filter=file", "--summary", "true").TraceToStderr);
    }

    [Theory]
    [InlineData("run: unknown option '--no-such-option'; try 'userkernel run --help'", "run", "--no-such-option", "--", "/bin/true")]
    [InlineData("run: unknown option '-x'; try 'userkernel run --help'", "run", "-x", "true")]
    [InlineData("run: --image needs a value", "run", "--image")]
    [InlineData("run: --env wants KEY=VALUE, not 'NOEQUALS'", "run", "--env", "NOEQUALS", "--", "true")]
    [InlineData("run: --net wants host or none, not 'bridge'", "run", "--net=bridge", "true")]
    [InlineData("run: --bind wants HOST:GUEST[:ro], not 'x'", "run", "--bind", "x", "true")]
    [InlineData("run: --mount wants TYPE:GUESTPATH[:OPTIONS], not 'tmpfs'", "run", "--mount", "tmpfs", "true")]
    [InlineData("run: --pids-limit wants a number of tasks, at least 1, not '0'", "run", "--pids-limit", "0", "true")]
    [InlineData("run: --disk-size 'lots' is not a size (like 512M or 2G)", "run", "--disk-size=lots", "true")]
    [InlineData("run: --workdir must be an absolute guest path, not 'w'", "run", "--workdir", "w", "true")]
    [InlineData("unknown command 'frobnicate'; try 'userkernel --help'", "frobnicate")]
    [InlineData("no command given; try 'userkernel --help'")]
    [InlineData("syscalls: unknown format 'xml' (text, json or markdown)", "syscalls", "--format=xml")]
    [InlineData("syscalls: unknown option '--verbose'; try 'userkernel syscalls --help'", "syscalls", "--verbose")]
    [InlineData("image: no verb given; try 'userkernel image --help'", "image")]
    [InlineData("image: unknown verb 'frob'; try 'userkernel image --help'", "image", "frob")]
    [InlineData("image build: --size '12Q' is not a size (like 512M or 2G)", "image", "build", "src", "-o", "x.img", "--size", "12Q")]
    [InlineData("image build: --owner 'root' is not UID:GID (numbers)", "image", "build", "src", "-o", "x.img", "--owner", "root")]
    [InlineData("image ls: unexpected argument 'c'; try 'userkernel image ls --help'", "image", "ls", "a", "b", "c")]
    [InlineData("image import: --platform wants OS/ARCH[/VARIANT] such as linux/amd64, not 'amd64'", "image", "import", "src", "-o", "x.img", "--platform", "amd64")]
    [InlineData("trace: unknown verb 'summarize'; try 'userkernel trace --help'", "trace", "summarize", "x.jsonl")]
    [InlineData("trace report: --top wants a number, at least 1, not '0'", "trace", "report", "--top", "0", "x.jsonl")]
    public void Bad_input_is_one_line_naming_the_command_and_the_option(string expected, params string[] args)
    {
        Assert.Equal(expected, Error(args));
    }

    [Theory]
    [InlineData("image build: ", "--output", "image", "build", "src")]
    [InlineData("image info: ", "IMG", "image", "info")]
    [InlineData("trace report: ", "FILE.jsonl", "trace", "report")]
    public void A_missing_required_value_is_named(string prefix, string name, params string[] args)
    {
        string? error = Error(args);

        Assert.NotNull(error);
        Assert.StartsWith(prefix, error);
        Assert.Contains(name, error);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void Help_wins_over_other_words_and_parses_without_error()
    {
        Assert.Null(Error("run", "--help", "--no-such-option"));
        Assert.Null(Error("image", "build", "-h"));
    }

    [Fact]
    public void Every_commands_help_names_each_of_its_options_and_arguments()
    {
        foreach (Command command in Commands(UserKernelCli.Root()))
        {
            // Act
            var output = new StringWriter();
            int status = UserKernelCli.Invoke([.. Path(command), "--help"], output);
            string help = output.ToString();

            // Assert
            Assert.Equal(0, status);
            Assert.StartsWith("usage: userkernel", help, StringComparison.Ordinal);
            foreach (Option option in command.Options.Where(o => !o.Hidden))
                Assert.True(help.Contains(option.Name, StringComparison.Ordinal), $"{command.Name} --help does not name {option.Name}:\n{help}");
            foreach (Argument argument in command.Arguments)
                Assert.Contains(argument.Name, help);
            foreach (Command verb in command.Subcommands)
                Assert.Contains("  " + verb.Name, help);
        }
    }

    [Fact]
    public void A_root_of_one_command_helps_and_parses_as_the_whole_tree_does()
    {
        // (runtime parses its own words, runc's way, and is not parsed by either tree)
        foreach (Command command in UserKernelCli.Root().Subcommands.Where(c => c.Name != "runtime"))
        {
            // Act: the whole tree, and the root Invoke makes for a command line that starts with the command's name
            var whole = new StringWriter();
            UserKernelCli.Root().Parse([command.Name, "--help"]).Invoke(new InvocationConfiguration { Output = whole });
            var alone = new StringWriter();
            UserKernelCli.Invoke([command.Name, "--help"], alone);
            RootCommand one = UserKernelCli.Root(command.Name);

            // Assert
            Assert.Equal(whole.ToString(), alone.ToString());
            Assert.Equal([command.Name], one.Subcommands.Select(c => c.Name));
            Assert.Equal(Error(command.Name, "--no-such-option"), UserKernelCli.Error(UserKernelCli.Root().Parse([command.Name, "--no-such-option"])));
        }
    }

    [Fact]
    public void Run_help_shows_the_attached_trace_file_and_not_its_hidden_spelling()
    {
        string help = HelpPage.Write(RunCommand.Definition());

        Assert.Contains("--trace[=FILE]", help);
        Assert.DoesNotContain("--trace-file", help);
        Assert.Contains("--mount TYPE:DIR[:OPTS]", help);
        Assert.Contains("--extension DLL", help);
    }

    [Fact]
    public void Completions_come_from_the_same_definitions()
    {
        // Act
        var output = new StringWriter();
        int status = UserKernelCli.Invoke(["[suggest:9]", "run --tra"], output);
        var partial = new StringWriter();
        int partialStatus = UserKernelCli.Invoke(["[suggest]", "run", "--no-such"], partial);

        // Assert
        Assert.Equal(0, status);
        Assert.Equal(["--trace", "--trace-filter", "--trace-json", "--trace-perfetto"], output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(0, partialStatus);
    }

    [Fact]
    public void The_runtime_keeps_its_own_help()
    {
        var output = new StringWriter();
        var stdout = Console.Out;
        Console.SetOut(output);
        try { Assert.Equal(0, UserKernelCli.Invoke(["runtime", "--help"], TextWriter.Null)); }
        finally { Console.SetOut(stdout); }

        Assert.Contains("--systemd-cgroup", output.ToString());
    }

    private static IEnumerable<Command> Commands(Command root)
    {
        yield return root;
        foreach (Command sub in root.Subcommands)
            if (sub.Name != "runtime")
                foreach (Command c in Commands(sub)) yield return c;
    }

    private static string[] Path(Command command)
    {
        var names = new List<string>();
        for (Symbol? s = command; s is Command c && c is not RootCommand; s = c.Parents.FirstOrDefault()) names.Insert(0, c.Name);
        return names.ToArray();
    }
}
