using Cgleak.Cli;
using Cgleak.Cli.Commands;

LanguageOption.Choose(args);
var root = AgentCommand.CreateRoot();
VersionReport.Install(root);
return CommandLine.Run(root, args, "cgleak-agent");
