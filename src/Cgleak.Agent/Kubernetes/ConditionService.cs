using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cgleak.Agent.Kubernetes;

/// <summary>
/// Feeds each sample's condition to the publisher, and ticks it between samples for retries and heartbeats.
/// Says when the API server stops taking the condition (once, with why) and when it takes it again.
/// </summary>
public sealed partial class ConditionService(
    Sampler sampler,
    ConditionPublisher publisher,
    AgentOptions options,
    TimeProvider clock,
    ILogger<ConditionService> log)
    : BackgroundService
{
    private volatile NodeCondition? _desired;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        sampler.Sampled += report =>
        {
            if (report is not null)
            {
                _desired = NodeCondition.From(report, sampler.IdsForecast(report), options.ConditionLanguage);
            }
        };
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (_desired is { } desired)
            {
                string? before = publisher.LastError;
                bool published = await publisher.PublishAsync(desired, clock.GetUtcNow(), stoppingToken)
                    .ConfigureAwait(false);
                if (publisher.LastError is { } error && before is null)
                {
                    LogFailing(desired.Reason, error);
                }
                else if (published && before is not null)
                {
                    LogPublished(desired.Problem ? "True" : "False", desired.Reason);
                }
            }
        }
    }

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "the API server did not take the node condition ({Reason}): {Error}; retrying with backoff")]
    private partial void LogFailing(string reason, string error);

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "the API server took the node condition again: MemoryCgroupPressure={Status} ({Reason})")]
    private partial void LogPublished(string status, string reason);
}
