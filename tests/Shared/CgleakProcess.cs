using System.Diagnostics;

namespace Cgleak.Testing;

/// <summary>
/// Runs the built cgleak (cgleak.dll beside the tests) as a user would, optionally as another user; and the other
/// programs tests run.
/// </summary>
internal static class CgleakProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(params string[] args) => RunAs(null, args);

    /// <summary>
    /// A run that may take longer than a minute on a loaded machine (the canary's 20 cycles and its 30 s wait):
    /// killed after <paramref name="patience"/>.
    /// </summary>
    public static Result RunWithin(TimeSpan patience, params string[] args) => RunAs(null, args, null, patience);

    /// <summary>
    /// cgleak with these environment variables (LANG, LC_ALL, LC_MESSAGES, COLUMNS...) on top of the test's.
    /// </summary>
    public static Result RunWith(IReadOnlyDictionary<string, string> environment, params string[] args)
        => RunAs(null, args, environment);

    /// <summary>The native (AOT) binary users run, built by the repository's launcher (./cgleak) if needed.</summary>
    public static string Native => NativeBinary.Value;

    // The launcher rebuilds only when a source file changed (not for the tests' own build output in src/*/obj):
    // a build takes minutes, far more on a loaded machine, hence the long wait.
    private static readonly Lazy<string> NativeBinary = new(() =>
    {
        Result build = Capture(
            new ProcessStartInfo(Path.Combine(Repo.Root, "cgleak"), "--version"),
            TimeSpan.FromMinutes(30));
        return build.ExitCode == 0
            ? Path.Combine(Repo.Root, ".cgleak-build", "cgleak")
            : throw new InvalidOperationException("./cgleak --version: " + build.Stderr);
    });

    /// <summary>Starts cgleak without waiting, for tests that kill it.</summary>
    public static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "cgleak.dll"));
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        return Process.Start(start)!;
    }

    /// <param name="uid">run as this uid/gid with setpriv (util-linux), so root's permission bypass does not
    /// apply.</param>
    public static Result RunAs(int? uid, params string[] args) => RunAs(uid, args, null);

    private static Result RunAs(
        int? uid,
        string[] args,
        IReadOnlyDictionary<string, string>? environment,
        TimeSpan? patience = null)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "cgleak.dll");
        var start = new ProcessStartInfo(uid is null ? "dotnet" : "setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (uid is { } id)
        {
            foreach (string a in (string[])[$"--reuid={id}", $"--regid={id}", "--clear-groups", "--", "dotnet"])
            {
                start.ArgumentList.Add(a);
            }

            start.Environment["HOME"] = "/tmp";
            start.Environment["DOTNET_CLI_HOME"] = "/tmp";
        }

        start.ArgumentList.Add(dll);
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["NO_COLOR"] = "1";
        // English unless a test asks otherwise: the goldens do not depend on the locale of whoever runs the tests.
        foreach (string locale in (string[])["LC_ALL", "LC_MESSAGES", "LANG"])
        {
            start.Environment.Remove(locale);
        }

        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return Capture(start, patience ?? DefaultPatience);
    }

    /// <summary>Any other program (runc, nm, promtool...), run to its end with both streams read.</summary>
    public static Result RunTool(string file, params string[] args) => Capture(new ProcessStartInfo(file, args));

    /// <summary>
    /// Runs a program to its end, reading both streams at once (no pipe fills while the other is read); killed after 60
    /// s.
    /// </summary>
    public static Result Capture(ProcessStartInfo start) => Capture(start, DefaultPatience);

    private static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(60);

    private static Result Capture(ProcessStartInfo start, TimeSpan patience)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using Process p = Process.Start(start)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(patience))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException(start.FileName + " " + string.Join(' ', start.ArgumentList));
        }

        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
