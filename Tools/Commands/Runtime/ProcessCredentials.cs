using System;
using System.Collections.Generic;
using UserKernel.Kernel.Tasks;

namespace UserKernel.Tools.Commands.Runtime;

/// <summary>config.json's "process.user", "capabilities" and "rlimits" in the kernel's terms.</summary>
internal static class ProcessCredentials
{
    /// <summary>
    /// The user's ids with the capability sets the config lists (effective, permitted, inheritable, bounding); a set it
    /// leaves out is what Linux gives that user. Ambient capabilities are not kept by the kernel: a warning.
    /// </summary>
    public static Credentials From(SpecProcess process, RuntimeLog log)
    {
        Credentials c = Credentials.ForUser(process.Uid, process.Gid, process.AdditionalGids);
        foreach (var (set, names) in process.Capabilities)
        {
            ulong bits = Bits(names, log);
            c = set switch
            {
                "effective" => c with { CapEffective = bits },
                "permitted" => c with { CapPermitted = bits },
                "inheritable" => c with { CapInheritable = bits },
                "bounding" => c with { CapBounding = bits },
                _ => c,
            };
            if (set == "ambient" && bits != 0) log.Warn("process.capabilities.ambient is not honoured: the kernel keeps no ambient set");
        }
        // Root's sets are bounded as an exec by root would make them.
        if (process.Uid == 0 && !process.Capabilities.ContainsKey("permitted"))
            c = c with { CapPermitted = c.CapBounding, CapEffective = process.Capabilities.ContainsKey("effective") ? c.CapEffective : c.CapBounding };
        return c;
    }

    /// <summary>The rlimits as (resource number, soft, hard); an unknown name is an error.</summary>
    public static IReadOnlyList<(int Resource, ulong Soft, ulong Hard)> Limits(SpecProcess process, RuntimeLog log)
    {
        var limits = new List<(int, ulong, ulong)>();
        foreach (SpecRlimit r in process.Rlimits)
        {
            int resource = Array.IndexOf(Kernel.Abi.Rlimits.Names, r.Type);
            if (resource < 0) throw new UsageException($"process.rlimits: unknown limit '{r.Type}'");
            if (r.Soft > r.Hard) throw new UsageException($"process.rlimits: {r.Type} has soft limit {r.Soft} above its hard limit {r.Hard}");
            limits.Add((resource, r.Soft, r.Hard));
        }
        return limits;
    }

    private static ulong Bits(IReadOnlyList<string> names, RuntimeLog log)
    {
        ulong bits = 0;
        foreach (string name in names)
        {
            int cap = Array.IndexOf(Capabilities.Names, name);
            if (cap < 0) log.Warn($"process.capabilities: unknown capability {name}, ignored");
            else bits |= 1UL << cap;
        }
        return bits;
    }
}
