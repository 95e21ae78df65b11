using System.Runtime.InteropServices;

namespace Cgleak.Cli;

/// <summary>
/// Turns SIGINT, SIGTERM and SIGHUP into cancellation, so a writing command unwinds through its finally
/// blocks and removes what it created. Only SIGKILL skips that: `cgleak cleanup` finishes those.
/// A command makes one where its writing starts (it takes a <c>Func&lt;Interrupts&gt;</c>): before that, at a
/// confirmation prompt or while reading the host, Ctrl-C ends the program at once, as it always did.
/// </summary>
public sealed class Interrupts : IDisposable
{
    private readonly CancellationTokenSource _cancel;
    private readonly PosixSignalRegistration[] _registrations;

    public Interrupts()
    {
        _cancel = new CancellationTokenSource();
        _registrations =
        [
            .. new[] {
                PosixSignal.SIGINT,
                PosixSignal.SIGTERM,
                PosixSignal.SIGHUP }.Select(s => PosixSignalRegistration.Create(s, context =>
            {
                context.Cancel = true; // we exit ourselves, after cleaning up
                _cancel.Cancel();
            })),
        ];
    }

    private Interrupts(CancellationToken cancel)
    {
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        _registrations = [];
    }

    /// <summary>
    /// For a command run in-process (tests): cancelled by <paramref name="cancel"/> only, no signal taken.
    /// </summary>
    public static Interrupts From(CancellationToken cancel) => new(cancel);

    public CancellationToken Token => _cancel.Token;

    public void Dispose()
    {
        foreach (PosixSignalRegistration r in _registrations)
        {
            r.Dispose();
        }

        _cancel.Dispose();
    }
}
