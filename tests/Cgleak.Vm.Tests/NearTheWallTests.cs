using System.Globalization;
using System.Text.Json.Nodes;
using Cgleak.Testing;

namespace Cgleak.Vm.Tests;

/// <summary>
/// Near the wall, for real: 48,000 IDs in use (73 %, past the 70 % warning) and then 60,000 (92 %, past 90 %),
/// taken at 1,000 a second the second time so the agent sees the climb. The doctor and the agent must agree.
/// </summary>
public sealed class NearTheWallTests
{
    [Fact]
    public void The_doctor_and_the_agents_metrics_and_forecast_say_at_risk_then_affected()
    {
        var vm = VirtualMachine.Run("v1", """
            ready() { while ! grep -q held "$1"; do sleep 0.5; done; }
            metric() { curl -sf http://127.0.0.1:9739/metrics | awk -v m="$1" '$1 == m { print $2 }'; }
            sampled() { for i in $(seq 1 120); do v=$(metric cgleak_memory_cgroup_ids_in_use); [ -n "$v" ] && [ "$v" -ge "$1" ] && return 0; sleep 0.5; done; return 1; }
            count() { awk '$1 == "memory" { print $3 }' /proc/cgroups; }
            echo "==> count before"; count
            ./cgleak agent --interval 2 --window 1 --listen 127.0.0.1:9739 > /tmp/agent.log 2>&1 & agent=$!
            tests/vm/hold-ids.py 48000 > /tmp/first & first=$!
            ready /tmp/first
            echo "==> doctor at 48000"; ./cgleak doctor --json; rc=$?; echo "==> exit at 48000"; echo $rc
            sampled 48000 || echo "the agent never saw 48000"
            echo "==> metrics at 48000"; curl -sf http://127.0.0.1:9739/metrics
            tests/vm/hold-ids.py 12000 --rate 1000 > /tmp/second & second=$!
            ready /tmp/second
            echo "==> doctor at 60000"; ./cgleak doctor --json; rc=$?; echo "==> exit at 60000"; echo $rc
            sampled 60000 || echo "the agent never saw 60000"
            echo "==> metrics at 60000"; curl -sf http://127.0.0.1:9739/metrics
            echo "==> end"
            kill $first $second $agent; wait
            for i in $(seq 1 100); do [ "$(count)" -le 1 ] && break; sleep 0.1; done
            echo "==> count after"; count
            """, TimeSpan.FromMinutes(5));
        Assert.True(vm.ExitCode == 0, vm.ToString());

        JsonNode atRisk = JsonNode.Parse(vm.Section("doctor at 48000"))!;
        Assert.Equal("at-risk", (string?)atRisk["verdict"]);
        Assert.Equal("1", vm.Section("exit at 48000").Trim());
        Assert.Equal("warn", Status(atRisk, "memcg.id-headroom"));
        Assert.InRange((long)atRisk["memoryCgroups"]!["idsInUse"]!, 48_000, 48_010);
        var early = Metrics(vm.Section("metrics at 48000"));
        Assert.Equal(1, early["cgleak_verdict{verdict=\"at-risk\"}"]);
        Assert.Equal(1, early["cgleak_check_status{check=\"memcg.id-headroom\",status=\"warn\"}"]);

        JsonNode affected = JsonNode.Parse(vm.Section("doctor at 60000"))!;
        Assert.Equal("affected", (string?)affected["verdict"]);
        Assert.Equal("2", vm.Section("exit at 60000").Trim());
        Assert.Equal("fail", Status(affected, "memcg.id-headroom"));
        var late = Metrics(vm.Section("metrics at 60000"));
        Assert.Equal(1, late["cgleak_verdict{verdict=\"affected\"}"]);
        Assert.InRange(late["cgleak_memory_cgroup_ids_in_use"], 60_000, 60_010);
        Assert.Equal(65535, late["cgleak_memory_cgroup_ids_limit"]);

        // The climb was about 1,000 IDs a second: the forecast puts the wall minutes away at most, not days.
        Assert.InRange(late["cgleak_memory_cgroup_ids_exhaustion_eta_seconds"], 0.1, 600);
        Assert.Equal(vm.Section("count before").Trim(), vm.Section("count after").Trim());
    }

    private static string? Status(JsonNode doctor, string check) =>
        (string?)doctor["checks"]!.AsArray().Single(c => (string?)c!["id"] == check)!["status"];

    private static Dictionary<string, double> Metrics(string text) => text.Split('\n')
        .Where(l => l.Length > 0 && l[0] != '#')
        .ToDictionary(
            l => l[..l.LastIndexOf(' ')],
            l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture),
            StringComparer.Ordinal);
}
