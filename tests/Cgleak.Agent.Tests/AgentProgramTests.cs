using System.Net;
using Cgleak.Testing;

namespace Cgleak.Agent.Tests;

/// <summary>cgleak-agent, the agent's own native program, and `cgleak agent`, which runs it in its own place.</summary>
public sealed class AgentProgramTests : IDisposable
{
    private readonly AgentProcesses _agents = new();

    public void Dispose() => _agents.Dispose();

    private static string AgentBinary => Path.Combine(Path.GetDirectoryName(CgleakProcess.Native)!, "cgleak-agent");

    [Fact]
    public void Cgleak_agent_becomes_cgleak_agent_in_the_same_process_and_stops_on_sigterm()
    {
        int port = AgentProcesses.FreePort();
        AgentProcesses.Started agent = _agents.Start(
            CgleakProcess.Native,
            "agent",
            "--host-root",
            Repo.Fixture("el7-957-leaking"),
            "--listen",
            $"127.0.0.1:{port}");
        AgentProcesses.WaitFor(() => _agents.Status(port, "/readyz") == HttpStatusCode.OK);

        // exec, not a child: the PID kubelet signals is the agent's, and its image is cgleak-agent.
        Assert.Equal(
            AgentBinary,
            File.ResolveLinkTarget($"/proc/{agent.Process.Id}/exe", returnFinalTarget: false)!.FullName);
        Assert.Contains(
            "cgleak_verdict{verdict=\"affected\"} 1",
            _agents.Get(port, "/metrics"),
            StringComparison.Ordinal);
        Assert.Equal(0, AgentProcesses.Terminate(agent.Process));
    }

    [Fact]
    public void Cgleak_agent_on_its_own_takes_the_same_options_and_exit_codes()
    {
        Assert.Equal(64, CgleakProcess.RunTool(AgentBinary, "--interval", "0").ExitCode);
        (int code, _, string stderr) = CgleakProcess.RunTool(AgentBinary, "--listen", "no-port");
        Assert.Equal(64, code);
        Assert.Equal("cgleak-agent: --listen no-port: expected HOST:PORT\n", stderr);
        Assert.Contains(
            "--taint-when",
            CgleakProcess.RunTool(CgleakProcess.Native, "agent", "--help").Stdout,
            StringComparison.Ordinal);
        Assert.StartsWith("0.1.0", CgleakProcess.RunTool(AgentBinary, "--version").Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void The_list_of_functions_laid_out_together_still_names_the_agents_functions()
    {
        // bench/agent-order.sh writes it; renamed or removed functions fall out of it silently, and the agent's
        // code pages spread again. Rerun the script when this fails.
        var symbols = CgleakProcess.RunTool("nm", "--defined-only", AgentBinary + ".dbg").Stdout.Split('\n')
            .Select(line => line.Split(' ', 3)).Where(parts => parts
                .Length == 3).Select(parts => parts[2]).ToHashSet(StringComparer.Ordinal);
        string[] hot = File.ReadAllLines(Path.Combine(Repo.Root, "src", "Cgleak.Agent.Cli", "hot-methods.txt"));
        double found = hot.Count(symbols.Contains) / (double)hot.Length;
        Assert.True(found >= 0.95, $"{found:P0} of hot-methods.txt is in cgleak-agent: run bench/agent-order.sh");
    }
}
