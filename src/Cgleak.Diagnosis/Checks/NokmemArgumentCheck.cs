using Cgleak.Diagnosis.Text;

namespace Cgleak.Diagnosis.Checks;

/// <summary>
/// kernel.nokmem-arg: cgroup.memory=nokmem on the command line, and does this kernel honour it (L3: 4.5+; L5: el7
/// 3.10.0-1062.4.1+).
/// </summary>
public sealed class NokmemArgumentCheck : ICheck
{
    public const string CheckId = "kernel.nokmem-arg";

    public string Id => CheckId;

    public string Facts => "L3, L5";

    public string Title => "cgroup.memory=nokmem on the kernel command line";

    public CheckRole Role => CheckRole.LeakCause;

    public CheckResult Run(CheckInput f)
    {
        if (f.Facts.Cmdline is not { } cmdline)
        {
            return new CheckResult(Id, Title, CheckStatus.Error, new Message("nokmem.cmdline-unreadable"), [], []);
        }

        var tokens = cmdline.Value.Tokens.Where(t => t.Key == "cgroup.memory").Select(t => t.Raw).ToList();
        var evidence = new List<Message> { new(
            "evidence.read",
            cmdline.Source,
            tokens.Count > 0 ? (object)string.Join(' ', tokens) : new Message("evidence.no-memory-argument")) };
        if (f.Kernel is not { } k)
        {
            return new CheckResult(Id, Title, CheckStatus.Skip, new Message("nokmem.kernel-unknown"), evidence, []);
        }

        if (!k.NokmemKnown)
        {
            evidence.Add(new Message("evidence.nokmem-unknown", f.KernelRelease!.Text, k.Unknown));
            var test = new Message("nokmem.test");
            return f.NokmemOnCmdline == true
                ? new CheckResult(Id, Title, CheckStatus.Warn,
                    new Message("nokmem.on-unknown", test), evidence,
                    [Remediation.Say(new Message("nokmem.fix.verify"), "cgleak verify --canary")])
                : new CheckResult(Id, Title, CheckStatus.Warn,
                    new Message("nokmem.off-unknown", test), evidence, [Remediations.KernelArgument(f)]);
        }

        evidence.Add(new Message((k.HonoursNokmem ? "evidence.nokmem-honoured" : "evidence.nokmem-ignored")
            + (f.KernelRelease!.IsEl7 ? ".el7" : ""),
            f.KernelRelease.Text));
        bool needed = k.LeaksIdsViaKmem != false;

        if (f.NokmemOnCmdline == true)
        {
            return k.HonoursNokmem
                ? new CheckResult(Id, Title, CheckStatus.Pass, new Message("nokmem.on-honoured"), evidence, [])
                : new CheckResult(Id, Title, needed ? CheckStatus.Fail : CheckStatus.Warn,
                    new Message("nokmem.on-ignored"), evidence, [Remediations.KernelArgument(f)]);
        }

        if (!needed)
        {
            return new CheckResult(Id, Title, CheckStatus.Info,
                new Message("nokmem.not-needed"), evidence, []);
        }

        return new CheckResult(Id, Title, CheckStatus.Warn,
            k.HonoursNokmem
                ? new Message("nokmem.off-would-honour")
                : new Message("nokmem.off-would-ignore"),
            evidence, [Remediations.KernelArgument(f)]);
    }
}
