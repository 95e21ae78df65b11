using System.Text.Json;
using System.Text.Json.Nodes;
using Cgleak.Testing;

namespace Cgleak.Portability.Tests;

/// <summary>
/// The reviewed goldens of tests/goldens (written by Cgleak.Cli.Tests), and the runs that must equal them.
/// </summary>
internal static class Goldens
{
    public static string Directory(string kind) => Path.Combine(Repo.Root, "tests", "goldens", kind);

    /// <summary>Every golden of that kind (doctor: .json; fix-plan: .json), by name.</summary>
    public static string[] Scenarios(string kind) =>
        [.. System.IO.Directory.GetFiles(Directory(kind), "*.json").Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .Order(StringComparer.Ordinal)];

    public static string Read(string kind, string scenario)
        => File.ReadAllText(Path.Combine(Directory(kind), scenario + ".json"));

    /// <summary>The doctor's JSON as the goldens keep it: the fixture's path and the run's duration left out.</summary>
    public static string Doctor(string json)
    {
        JsonNode doc = JsonNode.Parse(json)!;
        doc["host"]!["root"] = "<fixture>";
        doc["elapsedSeconds"] = 0;
        return doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>
    /// Every doctor and plan golden against runs of the native binary through <paramref name="run"/> (a launcher
    /// around it); the fixture's path as the run sees it from <paramref name="fixture"/>. All mismatches at once.
    /// </summary>
    public static void AssertAllMatch(Func<string[], CgleakProcess.Result> run, Func<string, string> fixture)
    {
        var wrong = new List<string>();
        var verdicts = new Dictionary<string, int>(StringComparer.Ordinal); // the doctor's exit code per fixture
        int Verdict(string scenario) => verdicts.TryGetValue(scenario, out int v)
            ? v
            : verdicts[scenario] = run(["doctor", "--host-root", fixture(scenario), "--json"]).ExitCode;
        foreach (string scenario in Scenarios("doctor"))
        {
            CgleakProcess.Result r = run(["doctor", "--host-root", fixture(scenario), "--json"]);
            verdicts[scenario] = r.ExitCode;
            if (r.Stderr != "" || !r.Stdout.StartsWith('{') || Doctor(r.Stdout) != Read("doctor", scenario))
            {
                wrong.Add($"doctor {scenario}: exit {r.ExitCode}, stderr: {r.Stderr.Trim()}");
            }
        }

        foreach (string golden in Scenarios("fix-plan"))
        {
            // kernel-SCENARIO is the kernel method's plan on fixture SCENARIO (Cgleak.Cli.Tests.FixPlanCliTests).
            bool kernel = golden.StartsWith("kernel-", StringComparison.Ordinal);
            string scenario = kernel ? golden["kernel-".Length..] : golden;
            string[] method = kernel ? ["--method", "kernel"] : [];
            CgleakProcess.Result r = run(
                ["fix", "plan", "--host-root", fixture(scenario), "--format", "json", .. method]);
            int verdict = Verdict(scenario); // fix plan exits with it
            if (r.ExitCode != verdict || r.Stderr != "" || r.Stdout != Read("fix-plan", golden))
            {
                wrong.Add($"fix plan {golden}: exit {r.ExitCode} (doctor {verdict}), stderr: {r.Stderr.Trim()}");
            }
        }

        Assert.True(Scenarios("doctor").Length >= 7 && Scenarios("fix-plan").Length >= 7, "the goldens are missing");
        Assert.Empty(wrong);
    }
}
