using System.CommandLine;
using Cgleak.Cli.Core;
using Cgleak.Cli.Rendering;
using Cgleak.Diagnosis.Text;
using Cgleak.Fleet;
using Cgleak.Fleet.Kubernetes;
using Cgleak.Fleet.Prometheus;

namespace Cgleak.Cli.Commands;

/// <summary>cgleak fleet's arguments, bound once from the command line.</summary>
public sealed record FleetArgs(
    string? Prometheus,
    string? PrometheusTokenFile,
    string? PrometheusCaFile,
    string? Kubeconfig,
    string? Context,
    bool InCluster,
    string NodeLabel,
    string Job,
    string Lookback,
    string Stale,
    string Timeout,
    string Format);

/// <summary>cgleak fleet: every node's verdict from Prometheus or the node conditions, most urgent first.</summary>
public static class FleetCommand
{
    public static Command Create()
    {
        var prometheus = new Option<string?>("--prometheus")
        {
            Description = Messages.Get("help.fleet.prometheus"),
            HelpName = "URL"
        };
        var tokenFile = new Option<string?>("--prometheus-token-file")
        {
            Description = Messages.Get("help.fleet.prometheus-token-file"),
            HelpName = "FILE"
        };
        var caFile = new Option<string?>("--prometheus-ca-file")
        {
            Description = Messages.Get("help.fleet.prometheus-ca-file"),
            HelpName = "FILE"
        };
        var kubeconfig = new Option<string?>("--kubeconfig")
        {
            Description = Messages.Get("help.fleet.kubeconfig"),
            HelpName = "PATH"
        };
        var context = new Option<string?>("--context")
        {
            Description = Messages.Get("help.fleet.context"),
            HelpName = "NAME"
        };
        var inCluster = new Option<bool>("--in-cluster") { Description = Messages.Get("help.fleet.in-cluster") };
        var nodeLabel = new Option<string>("--node-label")
        {
            Description = Messages.Get("help.fleet.node-label"),
            DefaultValueFactory = _ => "node",
            HelpName = "LABEL"
        };
        var job = new Option<string>("--job")
        {
            Description = Messages.Get("help.fleet.job"),
            DefaultValueFactory = _ => "cgleak",
            HelpName = "REGEX"
        };
        var lookback = new Option<string>("--lookback")
        {
            Description = Messages.Get("help.fleet.lookback"),
            DefaultValueFactory = _ => "1d",
            HelpName = "DURATION"
        };
        var stale = new Option<string>("--stale")
        {
            Description = Messages.Get("help.fleet.stale"),
            DefaultValueFactory = _ => "15m",
            HelpName = "DURATION"
        };
        var timeout = new Option<string>("--timeout")
        {
            Description = Messages.Get("help.fleet.timeout"),
            DefaultValueFactory = _ => "30s",
            HelpName = "DURATION"
        };
        var format = new Option<string>("--format")
        {
            Description = Messages.Get("help.fleet.format"),
            DefaultValueFactory = _ => "text",
            HelpName = "FORMAT"
        };
        format.AcceptOnlyFromAmong("text", "json");
        var json = new Option<bool>("--json") { Description = Messages.Get("help.fleet.json") };
        var command = new Command("fleet", Messages.Get("help.fleet"))
        {
            prometheus, tokenFile, caFile, kubeconfig, context, inCluster, nodeLabel, job, lookback, stale, timeout,
            format, json,
        };
        command.SetAction(p => Run(
            new FleetArgs(
                p.GetValue(prometheus),
                p.GetValue(tokenFile),
                p.GetValue(caFile),
                p.GetValue(kubeconfig),
                p.GetValue(context),
                p.GetValue(inCluster),
                p.GetValue(nodeLabel)!,
                p.GetValue(job)!,
                p.GetValue(lookback)!,
                p.GetValue(stale)!,
                p.GetValue(
                    timeout)!,
                p.GetValue(json) ? "json" : p.GetValue(format)!),
            Console.Out, TimeProvider.System));
        return command;
    }

    /// <summary>
    /// Every node's verdict, most urgent first; "now" (what is stale, what the lookback covers) from <paramref
    /// name="clock"/>.
    /// </summary>
    public static int Run(FleetArgs args, TextWriter output, TimeProvider clock)
    {
        FleetReport report;
        try
        {
            report = Fleet.Fleet.ReadAsync(Sources(args), clock.GetUtcNow(), CancellationToken.None).GetAwaiter()
                .GetResult();
        }
        catch (FleetException e)
        {
            throw new UserFacingException(
                e.Said.In(Languages.Current),
                e.BadInput ? ExitCodes.Usage : ExitCodes.Unavailable);
        }

        if (args.Format == "json")
        {
            FleetRenderer.WriteJson(report, output);
        }
        else
        {
            FleetRenderer.WriteText(report, output, Languages.Current);
        }

        return (int)report.Overall;
    }

    private static Message Verbatim(string option) => new("text.verbatim", option);

    private static FleetSources Sources(FleetArgs a)
    {
        if (a.Kubeconfig is not null && a.InCluster)
        {
            throw new FleetException(new Message("fleet.error.choose-one"), badInput: true);
        }

        FleetEndpoint? prometheus = null;
        if (a.Prometheus is { } url)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new FleetException(new Message("fleet.error.not-http", url), badInput: true);
            }

            prometheus = new FleetEndpoint(uri)
            {
                Token = a.PrometheusTokenFile is { } t
                    ? FleetEndpoint.ReadToken(t, Verbatim("--prometheus-token-file"))
                    : null,
                Ca = a.PrometheusCaFile is { } c ? FleetEndpoint.CaFromFile(c, Verbatim("--prometheus-ca-file")) : null,
            };
        }
        else if (a.PrometheusTokenFile is not null || a.PrometheusCaFile is not null)
        {
            throw new FleetException(new Message("fleet.error.files-need-prometheus"), badInput: true);
        }

        FleetEndpoint? kubernetes = a.InCluster
            ? Kubeconfig.InCluster()
            : a.Kubeconfig is { } path ? Kubeconfig.Load(path, a.Context) : null;
        var options = new PrometheusFleetOptions(
            a.NodeLabel,
            a.Job,
            PrometheusFleetSource.ParseDuration(a.Lookback, "--lookback"));
        return new FleetSources(
            prometheus,
            options,
            kubernetes,
            PrometheusFleetSource.ParseDuration(a.Stale, "--stale"),
            PrometheusFleetSource.ParseDuration(a.Timeout, "--timeout"));
    }
}
