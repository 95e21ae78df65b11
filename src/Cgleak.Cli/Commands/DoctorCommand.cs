using System.CommandLine;
using Cgleak.Cli.Core;
using Cgleak.Cli.Core.Rendering;
using Cgleak.Cli.Rendering;
using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Text;
using Cgleak.Host;

namespace Cgleak.Cli.Commands;

/// <summary>The doctor's arguments, bound once from the command line.</summary>
public sealed record DoctorArgs(
    string? HostRoot,
    bool Json,
    bool Probe = false,
    bool Verbose = false,
    int ProbeMax = ProbeCommand.DefaultMax,
    string StateDirectory = LabOptions.DefaultStateDirectory);

/// <summary>cgleak doctor: the runbook's diagnosis as one command.</summary>
public static class DoctorCommand
{
    public static Command Create()
    {
        var hostRoot = new Option<string?>("--host-root")
        {
            Description = Messages.Get("help.doctor.host-root"),
            HelpName = "DIR",
        };
        var output = new OutputSwitch();
        var probe = new Option<bool>("--probe") { Description = Messages.Get("help.doctor.probe") };
        var probeMax = new Option<int>("--probe-max")
        {
            Description = Messages.Get("help.doctor.probe-max"),
            DefaultValueFactory = _ => ProbeCommand.DefaultMax,
            HelpName = "N"
        };
        var verbose = new Option<bool>("--verbose", "-v") { Description = Messages.Get("help.doctor.verbose") };
        var stateDir = LabOptions.StateDir();
        var command = new Command("doctor", Messages.Get("help.doctor"))
        {
            hostRoot,
            probe,
            probeMax,
            verbose,
            stateDir,
        };
        output.AddTo(command);
        command.SetAction(parsed => Run(
            new DoctorArgs(
                parsed.GetValue(hostRoot),
                output.IsJson(parsed),
                parsed.GetValue(probe),
                parsed.GetValue(verbose),
                parsed.GetValue(probeMax),
                parsed.GetValue(stateDir)!),
            Console.Out, CgroupAccess.Live, () => new Interrupts()));
        return command;
    }

    /// <summary>
    /// The report on the host, in text or JSON; the exit code is the verdict. --probe probes through <paramref
    /// name="access"/>.
    /// </summary>
    public static int Run(DoctorArgs args, TextWriter output, CgroupAccess access, Func<Interrupts> interrupted)
    {
        HostRoot host = HostArgument.Resolve(args.HostRoot);
        if (args.ProbeMax < 1)
        {
            throw new UserFacingException(
                Messages.Get("error.at-least-1", "--probe-max", args.ProbeMax),
                ExitCodes.Usage);
        }

        if (args.Probe && !host.IsLive)
        {
            throw new UserFacingException(Messages.Get("error.probe-host-root"), ExitCodes.Usage);
        }

        HeadroomProbe? probe = args.Probe
            ? ProbeCommand.ForDoctor(args.ProbeMax, args.StateDirectory, access, interrupted).Headroom
            : null;
        DoctorReport report = Doctor.Examine(host, probe: probe);
        if (args.Json)
        {
            JsonReport.Write(report, output);
        }
        else
        {
            new TextReport(output, Terminal.UseColour(output), TextWrap.Width(output), args.Verbose).Write(report);
        }

        return (int)report.Verdict;
    }
}
