namespace Cgleak.Agent;

/// <summary>One sample of a count at a time.</summary>
public readonly record struct Sample(DateTimeOffset At, double Value);

/// <summary>A least-squares trend: the slope, and when the line reaches a limit.</summary>
public sealed record Trend(double SlopePerSecond, int Samples, TimeSpan Span)
{
    /// <summary>
    /// Seconds until <paramref name="limit"/> at this slope from <paramref name="now"/>; null when not rising.
    /// </summary>
    public double? SecondsUntil(double limit, double now)
        => SlopePerSecond > 0 && now < limit ? (limit - now) / SlopePerSecond : null;
}

/// <summary>
/// Least-squares slope of a count over a window (default 6 h), as Prometheus's predict_linear does:
/// the agent forecasts when IDs in use reach 65535 and how fast dying memcgs grow.
/// </summary>
public sealed class Forecast(TimeSpan window, int capacity = 4096)
{
    private readonly Queue<Sample> _samples = new();

    public static TimeSpan DefaultWindow { get; } = TimeSpan.FromHours(6);

    public void Add(Sample sample)
    {
        _samples.Enqueue(sample);
        while (_samples.Count > capacity || (_samples.Count > 0 && sample.At - _samples.Peek().At > window))
        {
            _samples.Dequeue();
        }
    }

    /// <summary>The trend over the window; null with fewer than 2 samples or no time between them.</summary>
    public Trend? Trend()
    {
        if (_samples.Count < 2)
        {
            return null;
        }

        DateTimeOffset origin = _samples.Peek().At;
        double n = _samples.Count, sx = 0, sy = 0, sxx = 0, sxy = 0;
        foreach (Sample s in _samples)
        {
            double x = (s.At - origin).TotalSeconds;
            sx += x;
            sy += s.Value;
            sxx += x * x;
            sxy += x * s.Value;
        }

        double denominator = (n * sxx) - (sx * sx);
        if (denominator <= 0)
        {
            return null;
        }

        double slope = ((n * sxy) - (sx * sy)) / denominator;
        return new Trend(slope, _samples.Count, _samples.Last().At - origin);
    }

    /// <summary>"at +41 IDs/h, 65535 in 9 d 3 h".</summary>
    public static string Describe(Trend trend, double limit, double now, string unit)
    {
        double perHour = trend.SlopePerSecond * 3600;
        if (trend.SecondsUntil(limit, now) is not { } seconds)
        {
            return $"at {perHour:+0.#;-0.#;0} {unit}/h, not rising";
        }

        var left = TimeSpan.FromSeconds(Math.Min(seconds, TimeSpan.MaxValue.TotalSeconds / 2));
        string when = left.TotalDays >= 1 ? $"{(int)left.TotalDays} d {left.Hours} h" : left.TotalHours >= 1
            ? $"{(int)left.TotalHours} h {left.Minutes} min"
            : $"{Math.Max(1, (int)left.TotalMinutes)} min";
        return $"at {perHour:+0.#;-0.#;0} {unit}/h, {limit:0} in {when}";
    }
}
