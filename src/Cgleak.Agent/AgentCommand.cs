using System.CommandLine;
using Cgleak.Agent.Kubernetes;
using Cgleak.Cli.Core;
using Cgleak.Cli.Core.Rendering;
using Cgleak.Diagnosis.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cgleak.Agent;

/// <param name="ConditionLanguage">The node condition's language: the agent's own --language only, never LANG.</param>
public sealed record AgentArgs(
    string? HostRoot,
    double IntervalSeconds,
    string Listen,
    double WindowHours,
    bool Kubernetes = false,
    string? TaintWhen = null,
    bool StatusRedact = false,
    Language ConditionLanguage = Language.En);

/// <summary>
/// The agent's command line: `cgleak agent` and `cgleak-agent` (the same agent in a program of its own, which
/// `cgleak agent` runs when it is installed beside cgleak) take the same options and run the same host.
/// </summary>
public static partial class AgentCommand
{
    public static string Description => Messages.Get("help.agent");

    /// <summary>`cgleak agent`.</summary>
    public static Command Create() => WithOptions(new Command("agent", Description));

    /// <summary>`cgleak-agent`: the agent's options on a root command of that name.</summary>
    public static RootCommand CreateRoot()
        => WithOptions(new RootCommand($"cgleak agent (cgleak-agent): {Description}"));

    private static T WithOptions<T>(T command)
        where T : Command
    {
        var hostRoot = new Option<string?>("--host-root")
        {
            Description = Messages.Get("help.agent.host-root"),
            HelpName = "DIR"
        };
        var interval = new Option<double>("--interval")
        {
            Description = Messages.Get("help.agent.interval"),
            DefaultValueFactory = _ => 30,
            HelpName = "SECONDS"
        };
        var listen = new Option<string>("--listen")
        {
            Description = Messages.Get("help.agent.listen"),
            DefaultValueFactory = _ => AgentOptions.DefaultListen,
            HelpName = "HOST:PORT",
        };
        var statusRedact = new Option<bool>("--status-redact")
        {
            Description = Messages.Get("help.agent.status-redact"),
        };
        var window = new Option<double>("--window")
        {
            Description = Messages.Get("help.agent.window"),
            DefaultValueFactory = _ => 6,
            HelpName = "HOURS"
        };
        var kubernetes = new Option<bool>("--kubernetes") { Description = Messages.Get("help.agent.kubernetes") };
        var taintWhen = new Option<string?>("--taint-when")
        {
            Description = Messages.Get("help.agent.taint-when"),
            HelpName = "affected"
        };
        taintWhen.AcceptOnlyFromAmong("affected");
        foreach (Option option in (Option[])[hostRoot, interval, listen, window, statusRedact, kubernetes, taintWhen])
        {
            command.Options.Add(option);
        }

        command.SetAction(p => Run(
            new AgentArgs(
                p.GetValue(hostRoot),
                p.GetValue(interval),
                p.GetValue(listen)!,
                p.GetValue(window),
                p.GetValue(kubernetes),
                p.GetValue(taintWhen),
                p.GetValue(statusRedact),
                Languages.Choose(
                    Environment.GetCommandLineArgs()[1..],
                    _ => null)),
            TimeProvider.System, CancellationToken.None));
        return command;
    }

    /// <summary>
    /// Serves until SIGINT or SIGTERM (or <paramref name="stop"/>), then exits 0. It writes no report: what it has to
    /// say goes to its log (stderr) and its endpoints. Bad options are usage errors (64), a port in use is 69.
    /// </summary>
    public static int Run(AgentArgs args, TimeProvider clock, CancellationToken stop)
    {
        if (args.IntervalSeconds < 1 || args.WindowHours <= 0)
        {
            throw new UserFacingException(args.IntervalSeconds < 1
                ? Messages.Get("agent.error.interval", args.IntervalSeconds)
                : Messages.Get("agent.error.window", args.WindowHours), ExitCodes.Usage);
        }

        ListenAddress listen;
        try
        {
            listen = ListenAddress.Parse(args.Listen);
        }
        catch (FormatException e)
        {
            throw new UserFacingException(e.Message, ExitCodes.Usage);
        }

        var options = new AgentOptions(
            HostArgument.Resolve(args.HostRoot),
            TimeSpan.FromSeconds(args.IntervalSeconds),
            listen,
            TimeSpan.FromHours(args.WindowHours),
            JsonReport.ToolVersion,
            args.StatusRedact)
        {
            ConditionLanguage = args.ConditionLanguage,
        };

        // Bound before the host starts: a port in use is one line and exit 69, not a host that logs a stack trace.
        System.Net.Sockets.Socket socket;
        try
        {
            socket = listen.Bind(backlog: 128);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new UserFacingException(
                Messages.Get("agent.error.bind", args.Listen, BindError(e)),
                ExitCodes.Unavailable);
        }

        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host
            .CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information);

        // A backstop: the services stop at once (a sample stuck in a read is not waited for); kubelet's grace is 30 s.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new AgentState(clock));
        builder.Services.AddSingleton<Sampler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Sampler>());
        builder.Services.AddHostedService(sp => new HttpEndpoint(
            options,
            sp.GetRequiredService<AgentState>(),
            socket,
            HttpLimits.Default,
            sp.GetRequiredService<ILogger<HttpEndpoint>>()));
        if (args.Kubernetes)
        {
            string node = Environment.GetEnvironmentVariable("NODE_NAME") is { Length: > 0 } n
                ? n
                : throw new UserFacingException(Messages.Get("agent.error.no-node-name"), ExitCodes.Usage);
            KubernetesNodeApi api;
            try
            {
                api = KubernetesNodeApi.InCluster();
            }
            catch (Exception e)
                when (e is IOException or UnauthorizedAccessException
                    or System.Security.Cryptography.CryptographicException)
            {
                throw new UserFacingException(
                    Messages.Get("agent.error.no-service-account", IOSaid.Of(e)),
                    ExitCodes.Unavailable);
            }

            builder.Services.AddSingleton(clock);
            builder.Services.AddSingleton(new ConditionPublisher(api, node, taint: args.TaintWhen == "affected"));
            builder.Services.AddHostedService<ConditionService>();
        }
        using IHost host = builder.Build();

        // SIGHUP is ignored (logged): there is no configuration file to reload, and a closed terminal or a
        // `kill -HUP` meant for a daemon must not kill the agent (it exited 129).
        ILogger hangup = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Cgleak.Agent");
        using var sighup = System.Runtime.InteropServices.PosixSignalRegistration
            .Create(System.Runtime.InteropServices.PosixSignal.SIGHUP, context =>
                {
                    context.Cancel = true;
                    LogHangupIgnored(hangup);
                });
        host.RunAsync(stop).GetAwaiter().GetResult(); // SIGINT/SIGTERM stop it
        return ExitCodes.Ok;
    }

    private static Message BindError(System.Net.Sockets.SocketException e) => e.SocketErrorCode switch
    {
        System.Net.Sockets.SocketError.AddressAlreadyInUse => new Message("agent.bind.in-use"),
        System.Net.Sockets.SocketError.AddressNotAvailable => new Message("agent.bind.not-available"),
        System.Net.Sockets.SocketError.AccessDenied => new Message("agent.bind.denied"),
        _ => IOSaid.Of(e),
    };

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "SIGHUP ignored: the agent has no configuration to reload (restart it to change options)")]
    private static partial void LogHangupIgnored(ILogger logger);
}
