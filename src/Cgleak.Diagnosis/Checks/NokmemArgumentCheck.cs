namespace Cgleak.Diagnosis.Checks;

/// <summary>kernel.nokmem-arg: cgroup.memory=nokmem on the command line, and does this kernel honour it (L3: 4.5+; L5: el7 3.10.0-1062.4.1+).</summary>
public sealed class NokmemArgumentCheck : ICheck
{
    public string Id => "kernel.nokmem-arg";

    public string Title => "cgroup.memory=nokmem on the kernel command line";

    public CheckResult Run(Findings f)
    {
        if (f.Facts.Cmdline is not { } cmdline)
        {
            return new CheckResult(Id, Title, CheckStatus.Error, "The kernel command line could not be read.", [], []);
        }

        var tokens = cmdline.Value.Tokens.Where(t => t.Key == "cgroup.memory").Select(t => t.Raw).ToList();
        var evidence = new List<string> { $"{cmdline.Source}: " + (tokens.Count > 0 ? string.Join(' ', tokens) : "no cgroup.memory= argument") };
        if (f.Kernel is not { } k)
        {
            return new CheckResult(Id, Title, CheckStatus.Skip, "The kernel release is unknown, so whether it honours the argument is too.", evidence, []);
        }

        if (!k.NokmemKnown)
        {
            evidence.Add($"{f.KernelRelease!.Text}: whether it honours cgroup.memory=nokmem is unknown ({k.Unknown})");
            string test = "boot with it and run the runbook's test: memory.kmem.slabinfo of a new container's cgroup must fail with EIO (`cgleak verify --canary`)";
            return f.NokmemOnCmdline == true
                ? new CheckResult(Id, Title, CheckStatus.Warn,
                    $"cgroup.memory=nokmem is on the command line, but whether this kernel honours it is unknown: {test}.", evidence,
                    [Remediation.Say("Check that kmem accounting is really off for new containers (runbook section 6).", "cgleak verify --canary")])
                : new CheckResult(Id, Title, CheckStatus.Warn,
                    "cgroup.memory=nokmem is not set, and whether this kernel would honour it is unknown (vendor backports): use a kernel known to honour it (4.5+), or "
                    + test + ".", evidence, [Remediations.KernelArgument(f)]);
        }

        evidence.Add(k.HonoursNokmem
            ? $"{f.KernelRelease!.Text} honours cgroup.memory=nokmem ({(f.KernelRelease.IsEl7 ? "el7 3.10.0-1062.4.1+, L5" : "4.5+, L3")})"
            : $"{f.KernelRelease!.Text} ignores cgroup.memory=nokmem ({(f.KernelRelease.IsEl7 ? "el7 before 3.10.0-1062.4.1, L5" : "before 4.5, L3")})");
        bool needed = k.LeaksIdsViaKmem != false;

        if (f.NokmemOnCmdline == true)
        {
            return k.HonoursNokmem
                ? new CheckResult(Id, Title, CheckStatus.Pass, "cgroup.memory=nokmem is on and this kernel honours it: kmem accounting is off.", evidence, [])
                : new CheckResult(Id, Title, needed ? CheckStatus.Fail : CheckStatus.Warn,
                    "cgroup.memory=nokmem is on the command line, but this kernel ignores it: kmem accounting is NOT off.", evidence, [Remediations.KernelArgument(f)]);
        }

        if (!needed)
        {
            return new CheckResult(Id, Title, CheckStatus.Info,
                "cgroup.memory=nokmem is not set; this kernel does not need it to keep its memory cgroup IDs (I5).", evidence, []);
        }

        return new CheckResult(Id, Title, CheckStatus.Warn,
            k.HonoursNokmem
                ? "cgroup.memory=nokmem is not set, and this kernel would honour it: the runbook's kernel-side fix is one argument and a reboot away."
                : "cgroup.memory=nokmem is not set, and this kernel would ignore it: a newer kernel is needed first.",
            evidence, [Remediations.KernelArgument(f)]);
    }
}
