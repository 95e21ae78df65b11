using System.CommandLine;
using System.Text.Json;
using Cgleak.Cli.Core;
using Cgleak.Cli.Core.Rendering;
using Cgleak.Cli.Rendering;
using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Checks;
using Cgleak.Diagnosis.Knowledge;
using Cgleak.Diagnosis.Text;
using Cgleak.Host;
using Cgleak.Host.Cgroups;
using Cgleak.Lab;

namespace Cgleak.Cli.Commands;

public sealed record VerifyArgs(bool Canary, bool UntilFull, bool Yes, bool Json, string StateDirectory);

/// <summary>cgleak verify: after the reboot, proof that the fix took.</summary>
public static class VerifyCommand
{
    public static Command Create()
    {
        var canary = new Option<bool>("--canary") { Description = Messages.Get("help.verify.canary") };
        var untilFull = new Option<bool>("--until-full") { Description = Messages.Get("help.verify.until-full") };
        var yes = new Option<bool>("--yes") { Description = Messages.Get("help.verify.yes") };
        var output = new OutputSwitch();
        var stateDir = LabOptions.StateDir();
        var command = new Command("verify", Messages.Get("help.verify"))
        {
            canary, untilFull, yes, stateDir,
        };
        output.AddTo(command);
        command.SetAction(p => Run(new VerifyArgs(
            p.GetValue(canary),
            p.GetValue(untilFull),
            p.GetValue(yes),
            output.IsJson(p),
            p.GetValue(stateDir)!),
            Console.Out, HostRoot.Live, CgroupAccess.Live, TimeProvider.System, () => new Interrupts()));
        return command;
    }

    /// <summary>
    /// Verifies <paramref name="host"/> (the live one; a host tree in tests: it reads the same files), with --canary
    /// through <paramref name="access"/> and waiting on <paramref name="clock"/>; exits 0 verified, 1 not verified, 3
    /// undecided.
    /// </summary>
    public static int Run(
        VerifyArgs args,
        TextWriter output,
        HostRoot host,
        CgroupAccess access,
        TimeProvider clock,
        Func<Interrupts> interrupted)
    {
        DoctorReport report = Doctor.Examine(host, new Host.Facts.SurveyOptions { Logs = false });
        bool applied = Lab.Boot.BootEditor.HasApplied(args.StateDirectory);

        CanaryResult? canary = null;
        if (args.Canary)
        {
            LiveCgroups cgroups = access.Mounts();
            if (args.UntilFull)
            {
                LabOptions.Confirm(args.Yes, Messages.Get("verify.confirm-until-full"));
            }

            LabOptions.CleanupFirst(args.StateDirectory, cgroups, access.Fs);
            using Interrupts interrupts = interrupted();
            using StatusLine? status = args.Json ? null : StatusLine.ForTerminal();
            KernelTraits kernel = report.Kernel
                ?? throw new UserFacingException(Messages.Get("verify.no-kernel"), ExitCodes.Unknown);
            canary = new Canary(args.StateDirectory, cgroups, access.Fs, clock)
            {
                Progress = status is null ? null : s => status.Update("cgleak verify: " + s)
            }
                .Run(kernel, args.UntilFull, interrupts.Token);
        }

        VerificationReport verification = Verification.Of(report.Input, applied, args.StateDirectory,
            canary is null ? null : new CanaryOutcome(canary.Leaking, canary.Said));
        IReadOnlyList<ContainerCgroupKmem> containers = report.Facts.Tree?.Containers ?? [];
        if (args.Json)
        {
            output.WriteLine(JsonSerializer.Serialize(
                ToDocument(verification, containers, canary),
                LabJsonContext.Default.VerifyDocument));
        }
        else
        {
            Write(output, verification, containers, canary, Languages.Current);
        }

        return verification.Verdict switch
        {
            VerificationVerdict.Verified => ExitCodes.Ok,
            VerificationVerdict.Undecided => ExitCodes.Unknown,
            _ => ExitCodes.AtRisk,
        };
    }

    public static VerifyDocument ToDocument(
        VerificationReport v,
        IReadOnlyList<ContainerCgroupKmem> containers,
        CanaryResult? canary) => new(
        1,
        VerdictName(v.Verdict),
        v.Items.Select(i => new VerifyItem(i.Id, Names.Of(i.Status), i.Summary)).ToList(),
        containers.Select(c => new VerifyContainer(c.HostPath, StateName(c.State), c.Evidence)).ToList(),
        canary is null ? null : new VerifyCanary(
            canary.Method,
            canary.Canaries,
            canary.Released,
            canary.SlotsLost,
            canary.Conclusion,
            canary.Notes));

    /// <summary>
    /// The text for people, in <paramref name="language"/>; statuses, ids and paths as the JSON has them.
    /// </summary>
    public static void Write(
        TextWriter o,
        VerificationReport v,
        IReadOnlyList<ContainerCgroupKmem> containers,
        CanaryResult? canary,
        Language language)
    {
        string T(string key, params object?[] a) => new Message(key, a).In(language);
        o.WriteLine(T("verify.title"));
        if (containers.Count > 0)
        {
            string[] states = containers.Take(50).Select(c => T("verify.kmem-state." + StateName(c.State))).ToArray();
            string heading = T("verify.kmem-column");
            // 9: the English states, as before
            int column = Math.Max(9, states.Append(heading).Max(s => TextWrap.DisplayWidth(s))) + 1;
            string Padded(string s) => s + new string(' ', column - TextWrap.DisplayWidth(s));
            o.WriteLine();
            o.WriteLine($"{Padded(heading)}{T("verify.containers")}");
            foreach ((ContainerCgroupKmem c, string state) in containers.Zip(states))
            {
                string evidence = Message.Of(c.Said).In(language);
                // cgroup names are the host's
                o.WriteLine($"{Padded(state)}{TerminalText.Escape(c.HostPath)}   ({TerminalText.Escape(evidence)})");
            }

            if (containers.Count > 50)
            {
                o.WriteLine(T("verify.more", containers.Count - 50));
            }
        }

        o.WriteLine();
        foreach (CheckResult i in v.Items)
        {
            o.WriteLine($"{T("doctor.tag." + Names.Of(i.Status))} {i.Id}: "
                + $"{TerminalText.Escape(i.Said?.In(language) ?? i.Summary)}");
        }

        foreach (Message note in canary?.NotesSaid ?? [])
        {
            o.WriteLine(T("verify.note", TerminalText.Escape(note.In(language))));
        }

        o.WriteLine();
        o.WriteLine(T("verify.verdict", T("verify.verdict-word." + VerdictName(v.Verdict))));
    }

    private static string VerdictName(VerificationVerdict v) => v switch
    {
        VerificationVerdict.Verified => "verified",
        VerificationVerdict.NotVerified => "not-verified",
        _ => "undecided",
    };

    private static string StateName(KmemState s) => s.ToString().ToLowerInvariant();
}

public sealed record VerifyItem(string Id, string Status, string Summary);

public sealed record VerifyContainer(string Path, string Kmem, string Evidence);

public sealed record VerifyCanary(
    string Method,
    int Canaries,
    int? Released,
    long? SlotsLost,
    string Conclusion,
    IReadOnlyList<string> Notes);

public sealed record VerifyDocument(
    int SchemaVersion,
    string Verdict,
    IReadOnlyList<VerifyItem> Items,
    IReadOnlyList<VerifyContainer> Containers,
    VerifyCanary? Canary);
