using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Cgleak.Testing;

namespace Cgleak.Cli.Tests;

/// <summary>
/// The metrics for the stacks people already run: real promtool, real node_exporter, node-problem-detector's protocol.
/// </summary>
public class MetricsCliTests
{
    public static TheoryData<string> Scenarios() => new(Repo.Scenarios());

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Metric_names_pass_promtool_check_metrics(string scenario)
    {
        var run = CgleakProcess.Run("metrics", "--host-root", Repo.Fixture(scenario));
        Assert.Equal(0, run.ExitCode);
        var start = new ProcessStartInfo("promtool", ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true
        };
        using Process p = Process.Start(start)!;
        p.StandardInput.Write(run.Stdout);
        p.StandardInput.Close();
        string problems = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, problems);
        Assert.Equal("", problems.Trim());
    }

    [Fact]
    public void Node_exporter_re_exports_the_textfile()
    {
        string dir = Directory.CreateTempSubdirectory("cgleak-textfile-").FullName;
        try
        {
            var run = CgleakProcess.Run(
                "metrics",
                "--host-root",
                Repo.Fixture("el7-957-leaking"),
                "--textfile",
                Path.Combine(dir, "cgleak.prom"));
            Assert.Equal(0, run.ExitCode);
            Assert.Equal(["cgleak.prom"], Directory.GetFiles(dir).Select(Path.GetFileName)); // no temp file left

            int port = FreePort();
            var start = new ProcessStartInfo("prometheus-node-exporter",
                ["--collector.disable-defaults", "--collector.textfile", $"--collector.textfile.directory={dir}",
                    $"--web.listen-address=127.0.0.1:{port}"])
            { RedirectStandardError = true, RedirectStandardOutput = true };
            using Process exporter = Process.Start(start)!;
            try
            {
                string body = Scrape(port);
                Assert.Contains("cgleak_memory_cgroups{state=\"live\"} 42", body, StringComparison.Ordinal);
                Assert.Contains("cgleak_verdict{verdict=\"affected\"} 1", body, StringComparison.Ordinal);
                Assert.Contains("node_textfile_scrape_error 0", body, StringComparison.Ordinal);
            }
            finally
            {
                exporter.Kill();
                exporter.WaitForExit();
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_shipped_npd_plugin_config_names_the_condition_and_the_command()
    {
        string config = File.ReadAllText(
            Path.Combine(Repo.Root, "deploy", "node-problem-detector", "cgleak-plugin.json"));
        var json = System.Text.Json.Nodes.JsonNode.Parse(config)!;
        Assert.Equal("custom", (string?)json["plugin"]);
        Assert.Equal(80, (int)json["pluginConfig"]!["max_output_length"]!);
        string condition = (string)json["conditions"]![0]!["type"]!;
        // Its own type, never the agent's: the two would overwrite each other's condition (cgleak fleet reads both).
        Assert.Equal(Cgleak.Agent.Kubernetes.NodeCondition.Type + "NPD", condition);
        var rule = json["rules"]![0]!;
        Assert.Equal(("permanent", condition), ((string)rule["type"]!, (string)rule["condition"]!));
        Assert.Equal(["check", "--npd", "--host-root", "/host"], rule["args"]!.AsArray().Select(a => (string)a!));
    }

    [Fact]
    public void A_textfile_that_node_exporter_would_ignore_is_refused()
    {
        var run = CgleakProcess.Run("metrics", "--textfile", "/tmp/cgleak.txt");
        Assert.Equal(64, run.ExitCode);
        Assert.Contains(".prom", run.Stderr, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static string Scrape(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics")).GetAwaiter().GetResult();
            }
            catch (HttpRequestException) when (attempt < 50)
            {
                Thread.Sleep(100);
            }
        }
    }
}
