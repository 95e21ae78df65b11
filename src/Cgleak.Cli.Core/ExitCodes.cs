namespace Cgleak.Cli.Core;

/// <summary>
/// Exit codes, documented in the README. 0-3 are the doctor's verdicts (ok, at-risk, affected, unknown);
/// the rest follow sysexits.h so scripts can tell a verdict from a failure to run.
/// </summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int AtRisk = 1;
    public const int Affected = 2;
    public const int Unknown = 3;

    /// <summary>Bad arguments: an unknown option, a --host-root that is not a directory.</summary>
    public const int Usage = 64;

    /// <summary>
    /// A writing command left something behind it could not remove (it names it); `cgleak cleanup` retries.
    /// </summary>
    public const int LeftBehind = 4;

    /// <summary>Interrupted (SIGINT/SIGTERM) after cleaning up.</summary>
    public const int Interrupted = 130;

    /// <summary>What the command needs is not here: no memory cgroup hierarchy, no runc.</summary>
    public const int Unavailable = 69;

    /// <summary>A bug in cgleak: reported in one line, never as a stack trace (set CGLEAK_DEBUG=1 for one).</summary>
    public const int Internal = 70;

    /// <summary>Output could not be written.</summary>
    public const int IoError = 74;
}

/// <summary>An expected, user-facing failure: one line for people and the exit code it ends with.</summary>
public sealed class UserFacingException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
