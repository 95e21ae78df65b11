using Cgleak.Cli;
using Cgleak.Cli.Commands;

var root = AgentCommand.CreateRoot();
VersionReport.Install(root);
return CommandLine.Run(root, args, "cgleak-agent");
