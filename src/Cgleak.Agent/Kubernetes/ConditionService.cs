using Cgleak.Diagnosis;
using Microsoft.Extensions.Hosting;

namespace Cgleak.Agent.Kubernetes;

/// <summary>Feeds each sample's condition to the publisher, and ticks it between samples for retries and heartbeats.</summary>
public sealed class ConditionService(Sampler sampler, ConditionPublisher publisher, TimeProvider clock) : BackgroundService
{
    private volatile NodeCondition? _desired;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        sampler.Sampled += report =>
        {
            if (report is not null)
            {
                _desired = NodeCondition.From(report, sampler.IdsForecast(report));
            }
        };
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (_desired is { } desired)
            {
                await publisher.PublishAsync(desired, clock.GetUtcNow(), stoppingToken).ConfigureAwait(false);
            }
        }
    }
}
