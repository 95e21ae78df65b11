using Cgleak.Cli;
using Cgleak.Cli.Commands;

return CommandLine.Run(AgentCommand.CreateRoot(), args, "cgleak-agent");
