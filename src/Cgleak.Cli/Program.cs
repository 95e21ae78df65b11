using System.CommandLine;
using Cgleak.Agent;
using Cgleak.Cli;
using Cgleak.Cli.Commands;
using Cgleak.Cli.Core;
using Cgleak.Diagnosis.Text;

// Program only assembles commands; each command binds its arguments into one record and calls its handler.
if (args is ["agent", ..] && AgentProgram.Beside() is { } agent)
{
    return AgentProgram.Exec(agent, args[1..]);
}

LanguageOption.Choose(args); // before the commands are built: their help is written in it

var root = new RootCommand(Messages.Get("help.cgleak"))
{
    DoctorCommand.Create(),
    ProbeCommand.Create(),
    CleanupCommand.Create(),
    ReclaimCommand.Create(),
    ReproCommand.Create(),
    FixCommand.Create(),
    VerifyCommand.Create(),
    MetricsCommand.Create(),
    CheckCommand.Create(),
    AgentCommand.Create(),
    FleetCommand.Create(),
};
root.Subcommands.Add(CompletionCommand.Create(root));
root.Subcommands.Add(ManCommand.Create(root));
VersionReport.Install(root);

return CommandLine.Run(root, args, "cgleak", e => e is Cgleak.Lab.LabException ? ExitCodes.Unavailable : null);
