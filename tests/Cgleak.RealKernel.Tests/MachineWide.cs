namespace Cgleak.RealKernel.Tests;

/// <summary>
/// Claims on the whole machine's memory cgroup counts. Other work on the machine (a parallel test project, the
/// machine's own infrastructure) starts and removes cgroups too and moves those counts by a few, so such a claim is
/// tried several times, each try with its own cgroups: it holds when one try sees no such traffic.
/// </summary>
internal static class MachineWide
{
    /// <summary>
    /// Runs <paramref name="attempt"/> (null when the claims held, else what was off) up to <paramref name="tries"/>
    /// times, <paramref name="pause"/> apart; fails with every try's miss.
    /// </summary>
    public static void Holds(int tries, TimeSpan pause, Func<string?> attempt)
    {
        var misses = new List<string>();
        for (int i = 1; i <= tries; i++)
        {
            string? miss = attempt();
            if (miss is null)
            {
                return;
            }

            misses.Add($"try {i}: {miss}");
            if (i < tries)
            {
                Thread.Sleep(pause);
            }
        }

        Assert.Fail(string.Join("; ", misses));
    }
}
