namespace UserKernel.Tools.Commands.Runtime;

/// <summary>`exec`: another program in a running container.</summary>
internal static class ContainerExec
{
    public static int Execute(RuntimeContext context, CommandArgs a) =>
        throw new UsageException("exec: running another program in a container is not supported yet");
}
