namespace Cgleak.Lab;

/// <summary>
/// The experiments' waits, on a <see cref="TimeProvider"/>: the system clock when cgleak runs, a fake one in tests,
/// so a test of a wait of minutes takes milliseconds.
/// </summary>
internal static class ClockWait
{
    /// <summary>
    /// Blocks for <paramref name="span"/> on <paramref name="clock"/>, or until <paramref name="cancel"/>; like
    /// <c>cancel.WaitHandle.WaitOne(span)</c>, a cancellation ends the wait without throwing.
    /// </summary>
    public static void Sleep(this TimeProvider clock, TimeSpan span, CancellationToken cancel)
    {
        if (span <= TimeSpan.Zero || cancel.IsCancellationRequested)
        {
            return;
        }

        try
        {
            Task.Delay(span, clock, cancel).Wait(CancellationToken.None);
        }
        catch (AggregateException e) when (e.InnerException is TaskCanceledException)
        {
            // cancelled: the caller decides what that means
        }
    }
}
