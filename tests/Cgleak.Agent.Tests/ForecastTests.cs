namespace Cgleak.Agent.Tests;

public class ForecastTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_slope_of_a_straight_line_is_exact_and_gives_the_time_to_the_limit()
    {
        var f = new Forecast(Forecast.DefaultWindow);
        for (int minute = 0; minute <= 360; minute += 5)
        {
            f.Add(new Sample(T0.AddMinutes(minute), 56_310 + (41.0 * minute / 60)));
        }

        Trend t = f.Trend()!;
        Assert.Equal(41.0 / 3600, t.SlopePerSecond, 9);
        double now = 56_310 + (41.0 * 6);
        Assert.Equal((65535 - now) / (41.0 / 3600), t.SecondsUntil(65535, now)!.Value, 3);
        Assert.Equal("at +41 IDs/h, 65535 in 9 d 3 h", Forecast.Describe(t, 65535, now, "IDs"));
    }

    [Fact]
    public void Samples_older_than_the_window_are_dropped()
    {
        var f = new Forecast(TimeSpan.FromHours(1));
        f.Add(new Sample(T0, 1000));                  // an old burst that must not count
        for (int minute = 120; minute <= 180; minute += 10)
        {
            f.Add(new Sample(T0.AddMinutes(minute), 10));
        }

        Trend t = f.Trend()!;
        Assert.Equal(0, t.SlopePerSecond, 9);
        Assert.Equal(7, t.Samples);
        Assert.Null(t.SecondsUntil(65535, 10));
    }

    [Fact]
    public void A_falling_count_has_no_exhaustion_time()
    {
        var f = new Forecast(Forecast.DefaultWindow);
        f.Add(new Sample(T0, 500));
        f.Add(new Sample(T0.AddHours(1), 400));
        Assert.Null(f.Trend()!.SecondsUntil(65535, 400));
        Assert.Equal("at -100 IDs/h, not rising", Forecast.Describe(f.Trend()!, 65535, 400, "IDs"));
    }

    [Fact]
    public void One_sample_or_one_instant_is_no_trend()
    {
        var f = new Forecast(Forecast.DefaultWindow);
        Assert.Null(f.Trend());
        f.Add(new Sample(T0, 1));
        Assert.Null(f.Trend());
        f.Add(new Sample(T0, 2));
        Assert.Null(f.Trend());
    }
}
