using Cgleak.Host.Parsing;

namespace Cgleak.Host.Tests;

public class ProcPidStatTests
{
    // /proc/self/stat of `cat` on this machine (6.18), and the same with a comm that holds spaces and parentheses.
    private const string Cat = "20599 (cat) R 20532 20532 15497 0 -1 4194304 98 0 0 0 0 0 0 0 20 0 1 0 2600222 "
        + "3133440 399 18446744073709551615 93829753176064 93829753195945 140731676322480 0 0 0 0 0 0 0 0 0 17 0 0 0 "
            + "0 0 0 93829753211952 93829753213568 93830817357824 140731676326167 140731676326187 140731676326187 "
                + "140731676327915 0";

    [Theory]
    [InlineData(Cat, 2600222L)]
    [InlineData("42 (a) b (c)) S 1 1 1 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 99 0 0", 99L)]
    [InlineData("42 (x) S 1 1 1 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 0", 0L)]
    public void The_start_time_is_field_22_counted_after_the_last_parenthesis(string line, long start) =>
        Assert.Equal(start, ProcPidStat.StartTicks(line));

    [Theory]
    [InlineData("")]
    [InlineData("42 cat S 1")]                                              // no comm in parentheses
    [InlineData("42 cat S 1 1 1 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 99 0 0")] // as many fields, no comm
    [InlineData("42 (x) S 1 1 1 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0")]   // one field short of the start time
    [InlineData("42 (x) S 1 1 1 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 -5")] // not a count of ticks
    public void Anything_else_is_no_start_time(string line) => Assert.Null(ProcPidStat.StartTicks(line));
}
