using System.Runtime.InteropServices;

namespace Cgleak.Cli;

/// <summary>
/// Turns SIGINT, SIGTERM and SIGHUP into cancellation, so a writing command unwinds through its finally
/// blocks and removes what it created. Only SIGKILL skips that: `cgleak cleanup` finishes those.
/// </summary>
public sealed class Interrupts : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly PosixSignalRegistration[] _registrations;

    public Interrupts()
    {
        _registrations =
        [
            .. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP }.Select(s => PosixSignalRegistration.Create(s, context =>
            {
                context.Cancel = true; // we exit ourselves, after cleaning up
                _cancel.Cancel();
            })),
        ];
    }

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
