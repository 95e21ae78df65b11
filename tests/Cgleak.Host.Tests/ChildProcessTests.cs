namespace Cgleak.Host.Tests;

/// <summary>
/// The one way cgleak runs a program: both streams kept apart, the exit code, the timeout, a program that is not there.
/// </summary>
public class ChildProcessTests
{
    [Fact]
    public void Keeps_both_streams_and_the_exit_code_and_passes_arguments_unsplit()
    {
        ChildResult r = ChildProcess.Run(
            "/bin/sh",
            ["-c", "printf '%s|' \"$1\"; echo oops >&2; exit 3", "sh", "a b;c"],
            TimeSpan.FromSeconds(30))!;
        Assert.Equal(("a b;c|", "oops\n", 3, false), (r.Output, r.Error, r.ExitCode, r.TimedOut));
        Assert.False(r.Succeeded);
    }

    [Fact]
    public void Exit_0_in_time_is_success()
    {
        ChildResult r = ChildProcess.Run("/bin/sh", ["-c", "echo ok"], TimeSpan.FromSeconds(30))!;
        Assert.Equal(("ok\n", 0), (r.Output, r.ExitCode));
        Assert.True(r.Succeeded);
    }

    [Fact]
    public void A_program_that_takes_too_long_is_killed_and_not_a_success()
    {
        ChildResult r = ChildProcess.Run(
            "/bin/sh",
            ["-c", "echo started; exec sleep 60"],
            TimeSpan.FromMilliseconds(300))!;
        Assert.True(r.TimedOut);
        Assert.Equal(-1, r.ExitCode);
        Assert.False(r.Succeeded);
        Assert.False(new ChildResult(0, "", "", TimedOut: true).Succeeded);
    }

    [Theory]
    [InlineData("/nonexistent/cgleak-no-such-program")]
    [InlineData("/etc/passwd")] // not executable
    public void A_program_that_cannot_be_started_gives_null(string file) =>
        Assert.Null(ChildProcess.Run(file, [], TimeSpan.FromSeconds(30)));
}
