namespace Cgleak.Agent.Tests;

/// <summary>The forecast's window, capacity and the way it words the time left.</summary>
public class ForecastBoundaryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);

    private static Trend Rising(double perSecond) => new(perSecond, 2, TimeSpan.FromHours(1));

    [Fact]
    public void A_sample_exactly_one_window_old_still_counts_and_one_a_second_older_does_not()
    {
        var f = new Forecast(TimeSpan.FromHours(1));
        f.Add(new Sample(T0, 0));
        f.Add(new Sample(T0.AddHours(1), 3600));
        Assert.Equal((2, TimeSpan.FromHours(1)), (f.Trend()!.Samples, f.Trend()!.Span));

        f.Add(new Sample(T0.AddHours(1).AddSeconds(1), 3601));
        Trend t = f.Trend()!;
        Assert.Equal((2, TimeSpan.FromSeconds(1)), (t.Samples, t.Span));
        Assert.Equal(1, t.SlopePerSecond, 9);
    }

    [Fact]
    public void Keeps_at_most_its_capacity_the_newest_samples()
    {
        var f = new Forecast(Forecast.DefaultWindow, capacity: 3);
        f.Add(new Sample(T0, 1_000));  // would make the slope negative if it were kept
        for (int i = 1; i <= 3; i++)
        {
            f.Add(new Sample(T0.AddMinutes(i), i * 60));
        }

        Trend t = f.Trend()!;
        Assert.Equal(3, t.Samples);
        Assert.Equal(1, t.SlopePerSecond, 9);
        Assert.Equal(TimeSpan.FromMinutes(2), t.Span);
    }

    [Fact]
    public void The_slope_does_not_depend_on_where_the_line_starts()
    {
        var f = new Forecast(Forecast.DefaultWindow);
        f.Add(new Sample(T0, 100));
        f.Add(new Sample(T0.AddSeconds(10), 110));
        f.Add(new Sample(T0.AddSeconds(20), 140));   // least squares over (0,100) (10,110) (20,140): slope 2
        Assert.Equal(2, f.Trend()!.SlopePerSecond, 9);
    }

    [Fact]
    public void Only_a_rising_count_below_the_limit_reaches_it()
    {
        Assert.Equal(10, Rising(1).SecondsUntil(65_535, 65_525));
        Assert.Null(Rising(1).SecondsUntil(65_535, 65_535));   // already there
        Assert.Null(Rising(0).SecondsUntil(65_535, 10));
        Assert.Null(Rising(-1).SecondsUntil(65_535, 10));
    }

    [Theory]
    [InlineData(86_400, "1 d 0 h")]
    [InlineData(86_399, "23 h 59 min")]
    [InlineData(3_600, "1 h 0 min")]
    [InlineData(3_599, "59 min")]
    [InlineData(60, "1 min")]
    [InlineData(30, "1 min")]   // under a minute still says a minute, never 0
    public void Words_the_time_left_in_days_hours_or_minutes(double secondsLeft, string when) =>
        Assert.Equal($"at +3600 IDs/h, 65535 in {when}",
            Forecast.Describe(Rising(1), 65_535, 65_535 - secondsLeft, "IDs"));

    [Fact]
    public void A_flat_count_is_not_rising_and_a_glacial_one_does_not_overflow()
    {
        Assert.Equal("at 0 dying/h, not rising", Forecast.Describe(Rising(0), 65_535, 10, "dying"));
        string far = Forecast.Describe(Rising(1e-12), 65_535, 0, "IDs");
        Assert.Contains(" IDs/h, 65535 in ", far, StringComparison.Ordinal);
        Assert.EndsWith(" h", far, StringComparison.Ordinal);
    }
}
