using System.CommandLine;
using Cgleak.Agent;
using Cgleak.Agent.Kubernetes;
using Cgleak.Cli.Rendering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cgleak.Cli.Commands;

public sealed record AgentArgs(string? HostRoot, double IntervalSeconds, string Listen, double WindowHours, bool Kubernetes = false, string? TaintWhen = null);

/// <summary>
/// The agent's command line: `cgleak agent` and `cgleak-agent` (the same agent in a program of its own, which
/// `cgleak agent` runs when it is installed beside cgleak) take the same options and run the same host.
/// </summary>
public static class AgentCommand
{
    public const string Description = "Run continuously: sample this node every --interval with the doctor and serve Prometheus metrics, health and status.";

    /// <summary>`cgleak agent`.</summary>
    public static Command Create() => WithOptions(new Command("agent", Description));

    /// <summary>`cgleak-agent`: the agent's options on a root command of that name.</summary>
    public static RootCommand CreateRoot() => WithOptions(new RootCommand($"cgleak agent (cgleak-agent): {Description}"));

    private static T WithOptions<T>(T command)
        where T : Command
    {
        var hostRoot = new Option<string?>("--host-root") { Description = "Read the host laid out under DIR (in a DaemonSet: /host).", HelpName = "DIR" };
        var interval = new Option<double>("--interval") { Description = "Seconds between samples.", DefaultValueFactory = _ => 30, HelpName = "SECONDS" };
        var listen = new Option<string>("--listen") { Description = "Where to serve /metrics, /healthz, /readyz, /status.", DefaultValueFactory = _ => AgentOptions.DefaultListen, HelpName = "HOST:PORT" };
        var window = new Option<double>("--window") { Description = "Hours of history the forecast fits.", DefaultValueFactory = _ => 6, HelpName = "HOURS" };
        var kubernetes = new Option<bool>("--kubernetes") { Description = "Keep the MemoryCgroupPressure condition on this node (NODE_NAME, in-cluster service account), with an Event on each change." };
        var taintWhen = new Option<string?>("--taint-when") { Description = "Add the NoSchedule taint cgleak.io/memcg-exhausted while the node has the problem, so new pods go elsewhere.", HelpName = "affected" };
        taintWhen.AcceptOnlyFromAmong("affected");
        foreach (Option option in (Option[])[hostRoot, interval, listen, window, kubernetes, taintWhen])
        {
            command.Options.Add(option);
        }

        command.SetAction(p => Run(new AgentArgs(p.GetValue(hostRoot), p.GetValue(interval), p.GetValue(listen)!, p.GetValue(window), p.GetValue(kubernetes), p.GetValue(taintWhen))));
        return command;
    }

    public static int Run(AgentArgs args)
    {
        if (args.IntervalSeconds < 1 || args.WindowHours <= 0)
        {
            throw new UserFacingException(args.IntervalSeconds < 1 ? $"--interval {args.IntervalSeconds}: at least 1 second" : $"--window {args.WindowHours}: must be positive", ExitCodes.Usage);
        }

        var options = new AgentOptions(HostArgument.Resolve(args.HostRoot), TimeSpan.FromSeconds(args.IntervalSeconds), args.Listen,
            TimeSpan.FromHours(args.WindowHours), JsonReport.ToolVersion,
            report => System.Text.Json.JsonSerializer.Serialize(JsonReport.ToDocument(report), ReportJsonContext.Default.DoctorDocument));
        try
        {
            _ = options.Prefix;
        }
        catch (ArgumentException e)
        {
            throw new UserFacingException(e.Message, ExitCodes.Usage);
        }

        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<AgentState>();
        builder.Services.AddSingleton<Sampler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Sampler>());
        builder.Services.AddHostedService<HttpEndpoint>();
        if (args.Kubernetes)
        {
            string node = Environment.GetEnvironmentVariable("NODE_NAME") is { Length: > 0 } n
                ? n
                : throw new UserFacingException("--kubernetes needs NODE_NAME (from the downward API: spec.nodeName)", ExitCodes.Usage);
            KubernetesNodeApi api;
            try
            {
                api = KubernetesNodeApi.InCluster();
            }
            catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
            {
                throw new UserFacingException($"--kubernetes: no in-cluster service account here ({e.Message})", ExitCodes.Unavailable);
            }

            builder.Services.AddSingleton(TimeProvider.System);
            builder.Services.AddSingleton(new ConditionPublisher(api, node, taint: args.TaintWhen == "affected"));
            builder.Services.AddHostedService<ConditionService>();
        }
        using IHost host = builder.Build();
        try
        {
            host.Run(); // SIGINT/SIGTERM stop it
        }
        catch (System.Net.HttpListenerException e)
        {
            throw new UserFacingException($"--listen {args.Listen}: {e.Message}", ExitCodes.Unavailable);
        }

        return ExitCodes.Ok;
    }
}
