using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cgleak.Cli.Commands;
using Cgleak.Cli.Core;
using Cgleak.Cli.Rendering;
using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Checks;
using Cgleak.Diagnosis.Fix;
using Cgleak.Diagnosis.Text;
using Cgleak.Fleet;
using Cgleak.Fleet.Kubernetes;
using Cgleak.Host;
using Cgleak.Host.Boot;
using Cgleak.Host.Cgroups;
using Cgleak.Host.Facts;
using Cgleak.Host.Logs;
using Cgleak.Lab;
using Cgleak.Lab.Tests;
using Cgleak.Testing;

namespace Cgleak.Cli.Tests;

/// <summary>
/// The guard that keeps English out of the Chinese text: every command's help, the usage errors, and the text of
/// doctor (with --verbose), fix plan (text and script) and verify on every fixture, written in zh-CN; a line fails
/// when it holds three English words in a row outside what stays untranslated (paths, options, commands in
/// backticks, check ids, versions, quoted host text, and the technical names in <see cref="Untranslated"/>).
/// Rendered text rather than a scan of the sources for string literals: English reaches the reader by many
/// roads (the command-line library's own words, knowledge tables, host readers' lines, interpolated strings,
/// messages built from parts), and only the rendered text sees them all; the fixtures reach every check's
/// branches. cleanup runs in-process on the refusing stand-in, with a journal that leaves and skips something,
/// and fleet renders a report holding every state a node can be in. What neither reaches (probe, repro and
/// reclaim act on this machine) is written from keys, which the catalog test keeps translated.
/// </summary>
public partial class ChineseCoverageTests
{
    private static readonly Dictionary<string, string> Chinese = new()
    {
        ["LANG"] = "zh_CN.UTF-8",
        ["COLUMNS"] = "100"
    };

    /// <summary>
    /// English words that stay as they are in Chinese text: the runbook's own (memory cgroup, kmem, pod), names of
    /// programs and files.
    /// </summary>
    private static readonly HashSet<string> Untranslated = new(StringComparer.OrdinalIgnoreCase)
    {
        "cgleak", "memory", "cgroup", "cgroups", "memcg", "memcgs", "kmem", "pod", "pods", "container", "runc",
            "containerd",
        "kubelet", "docker", "dockerd", "cri-o", "systemd", "cgroupfs", "grubby", "grub", "grubenv", "bls", "uefi",
            "bios", "efi",
        "slab", "slub", "page", "cache", "dying", "zombie", "runbook", "kubectl", "drain", "uncordon", "ID", "IDs",
            "kernel",
        "Linux", "Alibaba", "Cloud", "CentOS", "Ubuntu", "Debian", "Rocky", "RHEL", "Kylin", "openEuler", "Amazon",
            "TencentOS",
        "yes", "true", "false", "json", "text", "sh", "en", "zh", "bash", "zsh", "fish", "reaper", "tmpfs", "swap",
            "offline",
        "EIO", "npd", "on", "off", "active", "inactive", "unknown", "doctor", "probe", "repro",
        "reclaim", "cleanup", "fix", "plan", "apply", "undo", "verify", "metrics", "check", "agent", "fleet",
            "completion", "man",
        // distributions' names, as their release files spell them
        "Red", "Hat", "Enterprise", "Server", "Core", "release",
    };

    public static TheoryData<string> Scenarios => new(Repo.Scenarios());

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Doctor_fix_plan_and_verify_on_each_fixture_have_no_English_sentence(string scenario)
    {
        HostFacts facts = Doctor.Examine(HostRoot.At(Repo.Fixture(scenario))).Facts;
        // The log lines the symptom check quotes are the host's own words; remediation commands, their comments
        // included, are pasted into a shell and stay as written (as in plans).
        DoctorReport report = Doctor.Diagnose(facts with { Logs = WithoutQuotedLines(facts.Logs) });
        report = report with
        {
            Checks = [.. report.Checks
                .Select(c => c with { Remediation = [.. c.Remediation.Select(r => r with { Commands = [] })] })],
        };
        var doctor = new StringWriter();
        // Wide enough that nothing wraps: a quotation of a host's log line stays on one line, where the guard skips it.
        new TextReport(doctor, colour: false, width: 1000, verbose: true, Language.ZhCN).Write(report);

        FixPlan plan = FixCommand.MakePlan(HostRoot.At(Repo.Fixture(scenario)), "auto", null);

        var verify = new StringWriter();
        var input = new CheckInput(report.Facts);
        foreach (bool applied in new[] { true, false })
        {
            VerificationReport v = Verification.Of(
                input,
                applied,
                "/var/lib/cgleak",
                new CanaryOutcome(null, new Message("canary.undecided")));
            VerifyCommand.Write(verify, v, report.Facts.Tree?.Containers ?? [], canary: null, Language.ZhCN);
        }

        AssertNoEnglish($"{scenario}: doctor", WithoutHostText(doctor.ToString()));
        AssertNoEnglish($"{scenario}: fix plan", PlanRenderer.Text(Prose(plan), "x", Language.ZhCN));
        AssertNoEnglish($"{scenario}: verify", verify.ToString());
    }

    /// <summary>The doctor's text without the kernel command line, which it quotes from the host as it is.</summary>
    private static string WithoutHostText(string doctor) =>
        string.Join('\n', doctor.Split('\n').Where(l => !l.StartsWith("内核命令行", StringComparison.Ordinal)));

    /// <summary>
    /// The scan with the log lines it quotes left out: they are the host's own words, in its language.
    /// </summary>
    private static SymptomScan? WithoutQuotedLines(SymptomScan? logs) =>
        logs is null ? null : logs with { Sightings = [.. logs.Sightings.Select(s => s with { LastLine = "" })] };

    /// <summary>
    /// A plan's prose: its summary, entries, notes, and each step's title, reason and the check lines that are
    /// sentences. Commands, with their comments, and the lines to check and undo that are commands are what a
    /// person pastes into a shell and stay as written.
    /// </summary>
    private static FixPlan Prose(FixPlan plan) => plan with
    {
        Steps = [.. plan.Steps
            .Select(s => s with { Commands = [], Check = s.CheckSaid is null ? [] : s.Check, Undo = [] })],
    };

    /// <summary>
    /// cleanup's lines carry why something was left or skipped, down to the kernel's errno: in Chinese all through,
    /// while the English text and the JSON say what they said before the reasons became messages.
    /// </summary>
    [Fact]
    public void Cleanup_that_leaves_and_skips_has_no_English_sentence_and_its_English_is_unchanged()
    {
        string mount = Directory.CreateTempSubdirectory("cgleak-zh-cleanup-mount-").FullName;
        string state = Directory.CreateTempSubdirectory("cgleak-zh-cleanup-state-").FullName;
        try
        {
            // Left: an entry that is not one, an entry naming a mount this host does not have, a dead run's tree
            // that will not go (a file in it: ENOTEMPTY). Skipped: a tree whose run (pid 1) is still running.
            string journal = Directory.CreateDirectory(Path.Combine(state, "journal")).FullName;
            File.WriteAllText(Path.Combine(journal, "cgleak-probe-999996-0000aaaa.entry"), "not an entry\n");
            string foreign = Path.Combine(journal, "cgleak-probe-999995-0000bbbb.entry");
            File.WriteAllText(
                foreign,
                "kind=probe\npid=999995\nstart=1\nparent=cgleak-probe-999995-0000bbbb\nmount=/elsewhere\n");
            string stuck = Directory.CreateDirectory(Path.Combine(mount, "cgleak-repro-999998-00001234")).FullName;
            File.WriteAllText(Path.Combine(stuck, "tasks"), "");
            string running = Directory.CreateDirectory(Path.Combine(mount, "cgleak-probe-1-0000cccc")).FullName;
            var access = new CgroupAccess(
                new RefusingCgroupFsStandIn(freeSlots: 10),
                () => new LiveCgroups(mount, MemoryHierarchy.V1, [mount]));
            (int Exit, string Text) Run(bool json, Language language)
            {
                var o = new StringWriter();
                return (CleanupCommand.Run(new CleanupArgs(json, state), o, access, language), o.ToString());
            }

            var zh = Run(json: false, Language.ZhCN);
            var en = Run(json: false, Language.En);
            var json = Run(json: true, Language.ZhCN);

            Assert.All([zh.Exit, en.Exit, json.Exit], e => Assert.Equal(ExitCodes.LeftBehind, e));
            AssertNoEnglish("cleanup", zh.Text);
            Assert.Equal(3, zh.Text.Split('\n').Count(l => l.StartsWith("遗留", StringComparison.Ordinal)));
            Assert.Contains($"{stuck}：目录非空", zh.Text, StringComparison.Ordinal);
            Assert.Contains($"{running}（pid 1 仍在运行）", zh.Text, StringComparison.Ordinal);
            Assert.Contains("mount \"/elsewhere\" 不是本机的 cgroup 挂载点", zh.Text, StringComparison.Ordinal);

            string foreignWhy = $"journal entry {foreign}: mount \"/elsewhere\" is not a cgroup mount of this host: "
                + "not cgleak's own, so nothing it names was touched";
            string[] english = en.Text.Split('\n');
            Assert.Contains($"LEFT     {foreignWhy}", english);
            Assert.Contains($"LEFT     {stuck}: Directory not empty", english);
            Assert.Contains($"skipped  {running} (pid 1 still running)", english);
            Assert.Contains(english, l => l.StartsWith("LEFT     journal entry ", StringComparison.Ordinal)
                && l.EndsWith("; skipped (remove it by hand once you have looked at it)", StringComparison.Ordinal));

            JsonNode doc = JsonNode.Parse(json.Text)!;
            string[] left = [.. doc["left"]!.AsArray().Select(n => (string)n!)];
            Assert.Equal(3, left.Length);
            Assert.Contains(foreignWhy, left);
            Assert.Contains($"{stuck}: Directory not empty", left);
            Assert.Equal([$"{running} (pid 1 still running)"], doc["skipped"]!.AsArray().Select(n => (string?)n));
        }
        finally
        {
            Directory.Delete(mount, recursive: true);
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>
    /// The fleet table with a node in every state (one of them not reporting since a verdict, one never heard
    /// from), growth in IDs and in dying memcgs, warnings, and a 3.10 lower bound: Chinese all through, its
    /// columns aligned on the terminal's columns, and the English as it was.
    /// </summary>
    [Fact]
    public void Fleet_text_has_no_English_sentence_and_its_English_is_unchanged()
    {
        var at = new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);
        FleetNode[] nodes =
        [
            new()
            {
                Name = "node-a", Reporting = true, Verdict = Verdict.Affected, IdsInUse = 60000, IdsLimit = 65535,
                Dying = 5000, IdsPerHour = 120, SecondsToWall = 30 * 3600, Kernel = "3.10.0-957.el7.x86_64",
                Runc = "1.0.0-rc6", Kubelet = "v1.16.3", FailingChecks = ["kmem.active-cgroups"],
                WarningChecks = ["memcg.dying"], LastSeen = at,
            },
            new()
            {
                Name = "node-b", Reporting = true, Verdict = Verdict.AtRisk, IdsInUse = 40000, IdsLimit = 65535,
                IdsAreLowerBound = true, DyingPerHour = 12, WarningChecks = ["memcg.dying"],
                LastSeen = at.AddHours(-3),
            },
            new() { Name = "node-c", Reporting = false, Verdict = Verdict.Ok, LastSeen = at.AddDays(-2) },
            new() { Name = "node-d", Reporting = false },
            new() { Name = "node-e", Reporting = true, Verdict = Verdict.Unknown },
            new() { Name = "node-f", Reporting = true, Verdict = Verdict.Ok, LastSeen = at.AddMinutes(-40) },
        ];
        FleetReport report = FleetReport.Of(nodes, at, ["prometheus http://prometheus:9090/"]);
        var zh = new StringWriter();
        FleetRenderer.WriteText(report, zh, Language.ZhCN);
        var en = new StringWriter();
        FleetRenderer.WriteText(report, en, Language.En);

        AssertNoEnglish("fleet", zh.ToString());
        string[] lines = zh.ToString().Split('\n');
        Assert.StartsWith("节点", lines[0], StringComparison.Ordinal);
        Assert.Contains("已受影响 1 个，有风险 1 个，正常 1 个，未上报 2 个，无法判断 1 个", lines);
        Assert.Contains(lines, l => l.Contains("未上报（之前为正常）", StringComparison.Ordinal));
        // Every row's second column starts where its title does, counted in terminal columns.
        int verdictColumn = TextWrap.DisplayWidth(lines[0][..lines[0].IndexOf("结论", StringComparison.Ordinal)]);
        Assert.All(
            lines.Skip(1).Take(nodes.Length),
            l => Assert.Equal(verdictColumn, TextWrap.DisplayWidth(l[..(l.IndexOf(' ', StringComparison.Ordinal))])
                + l[l.IndexOf(' ', StringComparison.Ordinal)..].TakeWhile(c => c == ' ').Count()));

        string english = en.ToString();
        Assert.Equal(
            ["NODE", "VERDICT", "IDS IN USE", "DYING", "GROWTH/H", "TO THE WALL", "KERNEL", "RUNC", "KUBELET", "CHECKS",
                "LAST SEEN"],
            english.Split('\n')[0].Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        foreach (string said in (string[])
            ["not reporting (was ok)", "+120 IDs", "+12 dying", "kmem.active-cgroups (warn: memcg.dying)", "1 d 6 h",
                "3 h 0 min ago", "2 d 0 h ago", "never", "40 min ago", ">=40000/65535",
                ">= : a lower bound: the kernel (3.10) hides its zombie memory cgroups, which hold IDs too.",
                "1 affected, 1 at risk, 1 ok, 2 not reporting, 1 unknown"])
        {
            Assert.Contains(said, english, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Why the fleet could not be read, in Chinese for the terminal and in English as before (the exception's
    /// message, for logs).
    /// </summary>
    [Fact]
    public void Fleet_errors_have_no_English_sentence_and_their_English_is_unchanged()
    {
        var verbatim = (string option) => new Message("text.verbatim", option);
        (Action Fail, string English)[] cases =
        [
            (() => Fleet.Fleet.ReadAsync(
                    new FleetSources(null, new("node", "cgleak", TimeSpan.FromDays(1)), null, TimeSpan.Zero,
                        TimeSpan.Zero),
                    DateTimeOffset.UnixEpoch,
                    CancellationToken.None).GetAwaiter().GetResult(),
                "say where the fleet reports: --prometheus URL, --kubeconfig PATH or --in-cluster"),
            (() => Fleet.Prometheus.PrometheusFleetSource.ParseDuration("1 day", "--lookback"),
                "--lookback 1 day: not a duration (such as 90s, 15m, 6h, 1d)"),
            (() => FleetEndpoint.ReadToken("/dev/null", verbatim("--prometheus-token-file")),
                "--prometheus-token-file /dev/null: empty"),
            (() => FleetEndpoint.CaFromFile("/dev/null", verbatim("--prometheus-ca-file")),
                "--prometheus-ca-file /dev/null: holds no PEM certificate"),
            (() => Kubeconfig.Load("/nonexistent/kubeconfig"),
                "kubeconfig /nonexistent/kubeconfig: No such file or directory (ENOENT)"),
            (() => Kubeconfig.Parse("- a\n- b\n", "/k"),
                "kubeconfig /k: not a kubeconfig (one YAML mapping expected)"),
            (() => Kubeconfig.Parse("apiVersion: v1\n", "/k"),
                "kubeconfig /k: no current-context (name one with --context)"),
            (() => Kubeconfig.Parse(Kube("server: ftp://x", "token: t"), "/k"),
                "kubeconfig /k: cluster \"c\": server \"ftp://x\" is not an http(s) URL"),
            (() => Kubeconfig.Parse(Kube("server: https://x", "auth-provider: {name: gcp}"), "/k"),
                "kubeconfig /k: user \"u\": auth-provider plugins were removed from kubectl (1.26); "
                + "use an exec plugin or a token"),
            (() => Kubeconfig.Parse(Kube("server: https://x", "client-key-data: eA=="), "/k"),
                "kubeconfig /k: user \"u\": a client certificate needs both client-certificate and client-key"),
            (() => Kubeconfig.Parse(Kube("server: https://x", "exec: {command: /nonexistent/plugin}"), "/k"),
                "kubeconfig /k: user \"u\": exec: /nonexistent/plugin: No such file or directory (ENOENT)"),
            (() => Kubeconfig.Parse(Kube("server: https://x", "exec: {command: /bin/false}"), "/k"),
                "kubeconfig /k: user \"u\": exec: /bin/false exited with 1: "),
            (() => Fleet.Fleet.ReadAsync(
                    new FleetSources(new FleetEndpoint(new Uri($"http://127.0.0.1:{FreePort()}/")),
                        new("node", "cgleak", TimeSpan.FromDays(1)), null, TimeSpan.Zero, TimeSpan.FromSeconds(5)),
                    DateTimeOffset.UnixEpoch,
                    CancellationToken.None).GetAwaiter().GetResult(),
                "cannot reach http://127.0.0.1:PORT/api/v1/query: Connection refused (ECONNREFUSED)"),
        ];
        foreach ((Action fail, string english) in cases)
        {
            FleetException e = Assert.Throws<FleetException>(fail);
            Assert.Equal(english, PortShown().Replace(e.Message, "127.0.0.1:PORT"));
            AssertNoEnglish("fleet error", e.Said.In(Language.ZhCN));
        }

        static string Kube(string cluster, string user) =>
            "apiVersion: v1\ncurrent-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
            + "clusters: [{name: c, cluster: {" + cluster + "}}]\nusers: [{name: u, user: {" + user + "}}]\n";
        static int FreePort()
        {
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }
    }

    [GeneratedRegex(@"127\.0\.0\.1:\d+")]
    private static partial Regex PortShown();

    /// <summary>
    /// Why cleanup leaves a tree or a journal entry when the stand-ins cannot make the kernel say it (EBUSY from
    /// a cgroup with tasks, a lock another cleanup holds, a run still alive, a lock file that will not open):
    /// written from the keys the lab uses, with the arguments it passes.
    /// </summary>
    [Fact]
    public void Cleanups_busy_and_claim_reasons_are_in_Chinese()
    {
        const string Tree = "/sys/fs/cgroup/memory/cgleak-repro-4242-0000abcd";
        const string Lock = "/var/lib/cgleak/journal/cgleak-repro-4242-0000abcd.lock";
        Message busy = Message.Of(Host.Kernel.Errno.Said(Host.Kernel.Errno.EBUSY));
        (Message Said, string English)[] reasons =
        [
            (new("cleanup.busy-not-killed", Tree, busy),
                $"{Tree}: Device or resource busy (processes inside; no journal entry says they are cgleak's, "
                + "so none was killed)"),
            (new("journal.claim.locked", 4242, Lock), $"pid 4242 still running (it holds {Lock})"),
            (new("journal.claim.running", 4242), "pid 4242 still running"),
            (new("journal.claim.cannot-open", Lock, Message.Of(Host.Kernel.Errno.Described(Host.Kernel.Errno.EROFS))),
                $"cannot open its lock {Lock}: Read-only file system (EROFS)"),
        ];
        foreach ((Message said, string english) in reasons)
        {
            Assert.Equal(english, said.ToString());
            AssertNoEnglish(said.Key, said.In(Language.ZhCN));
        }
    }

    [Fact]
    public void Each_checks_title_is_in_the_catalog_as_the_check_writes_it()
    {
        foreach (ICheck check in CheckCatalog.All)
        {
            Assert.Equal(check.Title, Messages.Template(Language.En, "check.title." + check.Id));
        }
    }

    /// <summary>
    /// The host's readers say their problems and evidence in English (JSON) and as catalog keys (text): the two
    /// agree, for every problem, component source, kubelet driver, container's kmem evidence and boot problem
    /// and note read from each fixture.
    /// </summary>
    [Theory]
    [MemberData(nameof(Scenarios))]
    public void What_the_host_readers_say_in_English_is_what_the_catalog_says(string scenario)
    {
        HostRoot host = HostRoot.At(Repo.Fixture(scenario));
        HostFacts facts = Doctor.Examine(host).Facts;
        BootConfig boot = BootConfig.Read(host);
        HostMessage[] said =
        [
            .. facts.Problems.Select(p => p.Said), .. facts.Components.Select(c => c.Said),
            .. facts.KubeletDriver is { } d ? [d.Said] : Array.Empty<HostMessage>(),
            .. facts.Tree?.Containers.Select(c => c.Said) ?? [], .. facts.Logs?.Problems.Select(p => p.Said) ?? [],
            .. boot.ProblemsSaid, .. boot.NotesSaid, .. boot.StaleSaid, boot.Next.SourceSaid,
        ];
        Assert.NotEmpty(said);
        foreach (HostMessage s in said)
        {
            Assert.Equal(s.English, Message.Of(s).ToString());
        }
    }

    [Fact]
    public void Every_commands_help_is_in_Chinese()
    {
        var pending = new Queue<string[]>([[]]);
        int seen = 0;
        while (pending.TryDequeue(out string[]? command))
        {
            var run = CgleakProcess.RunWith(Chinese, [.. command, "--help"]);
            Assert.True(run.ExitCode == 0, string.Join(' ', command) + ": " + run.Stderr);
            AssertNoEnglish($"cgleak {string.Join(' ', command)} --help", run.Stdout);
            Assert.DoesNotContain("Usage:", run.Stdout, StringComparison.Ordinal);
            seen++;
            foreach (string sub in Subcommands(run.Stdout))
            {
                pending.Enqueue([.. command, sub]);
            }
        }

        Assert.True(seen > 10, $"only {seen} commands' help was read");
    }

    [Theory]
    [InlineData("docter")]
    [InlineData("probe", "--max", "abc")]
    [InlineData("probe", "--max", "0")]
    [InlineData("reclaim", "--wait", "-1")]
    [InlineData("repro", "--pods", "0")]
    [InlineData("repro", "--kmem", "lots", "--runtime", "runc")]
    [InlineData("doctor", "--probe-max", "0")]
    [InlineData("--version", "extra")]
    [InlineData("doctor", "--host-root", "/nonexistent-cgleak-root")]
    [InlineData("agent", "--interval", "0")]
    [InlineData("agent", "--listen", "no-port-here")]
    [InlineData("agent", "--listen", "::1:9739")]
    [InlineData("agent", "--listen", "example.com:9739")]
    [InlineData("agent", "--listen", "127.0.0.1:9739", "--kubernetes")]
    public void Usage_errors_are_in_Chinese(params string[] args)
    {
        var run = CgleakProcess.RunWith(Chinese, args);
        Assert.NotEqual(0, run.ExitCode);
        Assert.NotEqual("", run.Stderr);
        AssertNoEnglish(string.Join(' ', args), run.Stderr);
    }

    [Theory]
    [InlineData("the kernel refused the next one", true)]
    [InlineData("slots lost per pod: deleted pods do not", true)]
    [InlineData("可用位置 12 个（准确值：内核以 ENOSPC 拒绝了下一个）", false)]
    [InlineData("[失败] kmem.active-cgroups: 39 个容器 cgroup 中有 39 个开启了 kmem 记账", false)]
    [InlineData("  --state-dir <DIR>  实验的日志目录 [default: /var/lib/cgleak]", false)]
    [InlineData("运行 `cgleak verify --canary --until-full --yes` 验证", false)]
    [InlineData("/proc/cgroups：memory num_cgroups=42", false)]
    [InlineData("内核版本：\"not a release at all\"", false)]
    public void The_guard_tells_an_English_sentence_from_untranslatable_tokens(string line, bool english)
    {
        Assert.Equal(english, EnglishRun(line) is not null);
    }

    private static void AssertNoEnglish(string what, string text)
    {
        var english = text.Split('\n').Select(l => (Line: l, Run: EnglishRun(l))).Where(x => x.Run is not null)
            .ToList();
        Assert.True(
            english.Count == 0,
            $"{what}: English in the Chinese text:\n" + string.Join('\n', english.Select(x
                => $"  [{x.Run}] {x.Line}")));
    }

    /// <summary>
    /// The first run of three or more English words in a line, outside untranslatable tokens; null when there is none.
    /// </summary>
    internal static string? EnglishRun(string line)
    {
        // Code, quoted host text, placeholders and the library's default-value markers stay as written.
        string prose = Quoted().Replace(line, " ");
        var run = new List<string>();
        foreach (Match token in Tokens().Matches(prose))
        {
            string word = token.Value.Trim('(', ')', '[', ']', ',', ';', ':', '.', '!', '?', '\'');
            if (PlainWord().IsMatch(word) && !Untranslated.Contains(word))
            {
                run.Add(word);
            }
            else if (run.Count >= 3)
            {
                break;
            }
            else
            {
                run.Clear();
            }
        }

        return run.Count >= 3 ? string.Join(' ', run) : null;
    }

    /// <summary>The subcommands a help text lists under 命令：.</summary>
    private static IEnumerable<string> Subcommands(string help)
    {
        bool inCommands = false;
        foreach (string line in help.Split('\n'))
        {
            if (line.Length > 0 && !line.StartsWith(' '))
            {
                inCommands = line.TrimEnd() == "命令：";
                continue;
            }

            if (inCommands && CommandLine().Match(line) is { Success: true } m)
            {
                yield return m.Groups["name"].Value;
            }
        }
    }

    [GeneratedRegex("`[^`]*`|\"[^\"]*\"|<[^>]*>|\\[default: [^\\]]*\\]")]
    private static partial Regex Quoted();

    /// <summary>
    /// A word between spaces, or one CJK character or full-width punctuation mark: these break a run of English too.
    /// </summary>
    [GeneratedRegex(
        "[\\u3000-\\u303f\\u4e00-\\u9fff\\uff00-\\uffef]|[^\\s\\u3000-\\u303f\\u4e00-\\u9fff\\uff00-\\uffef]+")]
    private static partial Regex Tokens();

    /// <summary>
    /// An ordinary word: letters only (an apostrophe or hyphen inside); ids, paths, options, numbers and versions are
    /// not.
    /// </summary>
    [GeneratedRegex("^[A-Za-z][a-z]*(['-][a-z]+)*$")]
    private static partial Regex PlainWord();

    [GeneratedRegex("^  (?<name>[a-z][a-z-]*)( <[^>]*>)*( \\[[^\\]]*\\])*\\s{2,}")]
    private static partial Regex CommandLine();
}
