using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace Cgleak.Cli.Tests;

/// <summary>
/// A fake clock the test moves: <see cref="Run{T}"/> runs a handler on another thread and, each time the handler
/// starts a wait on this clock (a timer), moves time on by exactly that wait. A wait of minutes takes no real time,
/// and the time the handler reads at each step is known to the test.
/// </summary>
internal sealed class DrivenClock : FakeTimeProvider
{
    private readonly ConcurrentQueue<TimeSpan> _dueTimes = new();
    private readonly DateTimeOffset _start;

    public DrivenClock()
        : base(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero)) => _start = Start;

    /// <summary>
    /// At most this much real time passes before each move: for handlers that also wait on real processes (a pod's
    /// shell writing its files), so fake time never runs ahead of them by more than that factor.
    /// </summary>
    public TimeSpan RealPause { get; init; }

    /// <summary>Called before each move with the time since the start the clock is about to show.</summary>
    public Action<TimeSpan>? BeforeMove { get; init; }

    /// <summary>Moves made so far: how many waits the handler made.</summary>
    public int Moves { get; private set; }

    public TimeSpan Elapsed => GetUtcNow() - _start;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ITimer timer = base.CreateTimer(callback, state, dueTime, period);
        if (dueTime > TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
        {
            _dueTimes.Enqueue(dueTime);
        }

        return timer;
    }

    /// <summary>Runs <paramref name="handler"/> to its end, moving the clock through every wait it makes.</summary>
    public T Run<T>(Func<T> handler)
    {
        Task<T> running = Task.Run(handler);
        var spin = new SpinWait();
        var real = Stopwatch.StartNew();
        while (!running.IsCompleted)
        {
            // A handler stuck on something other than this clock fails the test instead of hanging it.
            Assert.True(real.Elapsed < TimeSpan.FromMinutes(2), $"the handler is still running after {real.Elapsed}");
            if (!_dueTimes.TryDequeue(out TimeSpan due))
            {
                spin.SpinOnce(); // the handler is working, or about to wait: it yields, then sleeps
                continue;
            }

            if (RealPause > TimeSpan.Zero)
            {
                Thread.Sleep(due < RealPause ? due : RealPause);
            }

            BeforeMove?.Invoke(Elapsed + due);
            Advance(due);
            Moves++;
        }

        return running.GetAwaiter().GetResult();
    }
}
