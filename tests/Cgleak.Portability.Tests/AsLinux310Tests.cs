using System.Net;
using System.Text.RegularExpressions;
using Cgleak.Testing;

namespace Cgleak.Portability.Tests;

/// <summary>
/// The static binaries under as-linux-3.10: system calls newer than CentOS 7's kernel fail as they would there.
/// </summary>
public sealed partial class AsLinux310Tests(AsLinux310 linux) : IClassFixture<AsLinux310>, IDisposable
{
    private readonly AgentProcesses _agents = new();

    public void Dispose() => _agents.Dispose();

    [Fact]
    public void The_launcher_stands_for_3_10_uname_new_system_calls_and_madvise()
    {
        Assert.Equal("3.10.0-1160.el7.x86_64\n", CgleakProcess.Capture(linux.Start("uname", "-r")).Stdout);
        // python3's os module reaches the raw calls: getrandom (318), clone3 (435), MADV_FREE (8), MADV_DONTNEED (4).
        const string probe = """
            import ctypes, mmap
            libc = ctypes.CDLL(None, use_errno=True)
            def call(*a):
                ctypes.set_errno(0); r = libc.syscall(*a); return r if r == 0 else -ctypes.get_errno()
            m = mmap.mmap(-1, 4096); p = ctypes.c_void_p(ctypes.addressof(ctypes.c_char.from_buffer(m)))
            def advise(v):
                ctypes.set_errno(0); r = libc.madvise(p, 4096, v); return r if r == 0 else -ctypes.get_errno()
            print(call(318, 0, 0, 0), call(435, 0, 0), advise(8), advise(4))
            """;
        Assert.Equal("-38 -38 -22 0\n", CgleakProcess.Capture(linux.Start("python3", "-c", probe)).Stdout);
    }

    [Fact]
    public void Version_runs()
    {
        CgleakProcess.Result run = linux.Run("--version", "--verbose");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(
            CgleakProcess.RunTool(NativeBinaries.Cgleak, "--version").Stdout,
            run.Stdout.Split('\n')[0] + "\n");
        Assert.Contains("kernel here: 3.10.0", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Doctor_and_fix_plan_on_every_fixture_equal_the_goldens() =>
        Goldens.AssertAllMatch(args => linux.Run(args), Repo.Fixture);

    [Fact]
    public void The_live_doctor_says_what_it_says_without_the_filter()
    {
        // This machine's cgroups change while other tests run (repro's pods come and go): numbers and pod and
        // container ids are masked, and a mismatch gets three more tries.
        for (int attempt = 0; ; attempt++)
        {
            CgleakProcess.Result filtered = linux.Run("doctor", "--json");
            CgleakProcess.Result plain = CgleakProcess.RunTool(NativeBinaries.Cgleak, "doctor", "--json");
            Assert.Equal("", filtered.Stderr);
            if (filtered.ExitCode == plain.ExitCode && Masked(filtered.Stdout) == Masked(plain.Stdout) || attempt == 3)
            {
                Assert.Equal(plain.ExitCode, filtered.ExitCode);
                Assert.Equal(Masked(plain.Stdout), Masked(filtered.Stdout));
                return;
            }

            Thread.Sleep(TimeSpan.FromSeconds(2));
        }
    }

    [Fact]
    public void The_agent_serves_metrics_and_stops_on_sigterm()
    {
        int port = AgentProcesses.FreePort();
        AgentProcesses.Started agent = _agents.Start(linux.Start(NativeBinaries.Cgleak,
            "agent", "--host-root", Repo.Fixture(
                "el7-957-leaking"), "--interval", "1", "--listen", $"127.0.0.1:{port}"));
        AgentProcesses.WaitFor(() => _agents.Status(port, "/readyz") == HttpStatusCode.OK);
        for (int scrape = 0; scrape < 3; scrape++)
        {
            Assert.Contains(
                "cgleak_verdict{verdict=\"affected\"} 1",
                _agents.Get(port, "/metrics"),
                StringComparison.Ordinal);
        }

        Assert.Equal(0, AgentProcesses.Terminate(agent.Process));
    }

    [Fact]
    public void The_agent_reaches_the_kubernetes_api_over_https_without_getrandom()
    {
        using var pki = new TestPki();
        using var serviceAccount = new ServiceAccountDirectory(pki.CaPem, "token-1");
        using var api = new KubernetesApiStandIn(pki.Server);
        int port = AgentProcesses.FreePort();
        // The service account where kubelet mounts it: a mount namespace of the agent's own (unshare).
        var start = linux.Start("unshare",
            "--mount", "--propagation", "private", "--", "sh", "-c",
            "mount -t tmpfs tmpfs /run && mkdir -p /run/secrets/kubernetes.io/serviceaccount && " +
            "mount --bind \"$0\" /run/secrets/kubernetes.io/serviceaccount && exec \"$@\"",
            serviceAccount.Path, NativeBinaries.Agent, "--kubernetes", "--host-root", Repo.Fixture("el7-957-leaking"),
            "--interval", "1", "--listen", $"127.0.0.1:{port}");
        KubernetesAgent.Environment(start, api.Port);
        foreach (string proxy in (string[])["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy",
            "ALL_PROXY"])
        {
            start.Environment.Remove(proxy);
        }

        AgentProcesses.Started agent = _agents.Start(start);
        KubernetesAgent.AssertConditionPatched(api);
        Assert.Equal(0, AgentProcesses.Terminate(agent.Process));
    }

    private static string Masked(string json) => Digits().Replace(Ids().Replace(json, "ID"), "N");

    [GeneratedRegex("[0-9]+")]
    private static partial Regex Digits();

    // A pod's uid (pod0b1c2d3e-...) and a container's 64-hex id, as kubelet and runc name their cgroups.
    [GeneratedRegex("(?<=pod)[0-9a-f_-]{32,36}|[0-9a-f]{64}")]
    private static partial Regex Ids();
}
