using Cgleak.Agent;
using Cgleak.Cli.Core;

LanguageOption.Choose(args);
var root = AgentCommand.CreateRoot();
VersionReport.Install(root);
return CommandLine.Run(root, args, "cgleak-agent");
