using System.Globalization;
using System.Text.Json;
using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Text;

namespace Cgleak.Fleet.Prometheus;

/// <summary>
/// The fleet from the Prometheus that scrapes the agents: seven instant queries over the HTTP API
/// (/api/v1/query), run together, whatever the fleet's size. A node is named by the <c>node</c> label (the
/// ServiceMonitor copies the pod's node name into it) or, without one, by <c>instance</c>.
/// </summary>
public sealed class PrometheusFleetSource(HttpClient http, Uri server, PrometheusFleetOptions options)
{
    public const string IdsInUse = "cgleak_memory_cgroup_ids_in_use";
    public const string IdsInUseLowerBound = "cgleak_memory_cgroup_ids_in_use_lower_bound";
    public const string IdsLimit = "cgleak_memory_cgroup_ids_limit";
    public const string Cgroups = "cgleak_memory_cgroups";
    public const string Eta = "cgleak_memory_cgroup_ids_exhaustion_eta_seconds";
    public const string DyingGrowth = "cgleak_dying_memory_cgroups_growth_per_second";
    public const string LastSample = "cgleak_last_sample_timestamp_seconds";

    /// <summary>
    /// The labels the table is made from (<see cref="Row.Label"/>); the others are dropped as answers are read.
    /// </summary>
    private readonly HashSet<string> _keep =
        new(
            [
                options.NodeLabel, "instance", "__name__", "verdict", "check", "status", "state", "kernel", "runc",
                "kubelet",
            ],
            StringComparer.Ordinal);

    /// <summary>The queries, by what each answers; every metric they name is one the agent exports.</summary>
    public IReadOnlyDictionary<string, string> Queries { get; } = QueriesFor(options);

    public static IReadOnlyDictionary<string, string> QueriesFor(PrometheusFleetOptions o)
    {
        string lookback = Duration(o.Lookback);
        return new Dictionary<string, string>
        {
            ["now"] = "cgleak_verdict == 1",
            ["last"] = $"last_over_time(cgleak_verdict[{lookback}]) == 1",
            ["seen"] = $"last_over_time({LastSample}[{lookback}])",
            ["values"] = $"{{__name__=~\"{IdsInUse}|{IdsInUseLowerBound}|{IdsLimit}|{Cgroups}|{Eta}|{DyingGrowth}\"}}",
            ["checks"] = "cgleak_check_status{status=~\"fail|warn\"} == 1",
            ["info"] = $"last_over_time(cgleak_node_info[{lookback}])",
            ["down"] = $"up{{job=~\"{o.Job}\"}} == 0",
        };
    }

    public async Task<IReadOnlyList<FleetNode>> ReadAsync(CancellationToken cancel)
    {
        var answers = await Task.WhenAll(Queries.Select(
            async q => (q.Key, Rows: await QueryAsync(q.Value, cancel).ConfigureAwait(false)))).ConfigureAwait(false);
        var by = answers.ToDictionary(a => a.Key, a => a.Rows);
        var nodes = new Dictionary<string, Builder>(StringComparer.Ordinal);
        Builder Node(Row r) => nodes.TryGetValue(Key(r), out Builder? b) ? b : nodes[Key(r)] = new Builder(Key(r));

        foreach (Row r in by["last"])
        {
            Node(r).LastVerdict ??= Parse(r.Label("verdict"));
        }

        foreach (Row r in by["now"])
        {
            Builder b = Node(r);
            b.Reporting = true;
            b.Verdict = Parse(r.Label("verdict"));
        }

        foreach (Row r in by["seen"])
        {
            Node(r).LastSeen = DateTimeOffset.FromUnixTimeMilliseconds((long)(r.Value * 1000));
        }

        foreach (Row r in by["down"])
        {
            Node(r);
        }

        foreach (Row r in by["info"])
        {
            Builder b = Node(r);
            (b.Kernel, b.Runc, b.Kubelet) = (r.Label("kernel"), r.Label("runc"), r.Label("kubelet"));
        }

        foreach (Row r in by["checks"].OrderBy(r => r.Label("check"), StringComparer.Ordinal))
        {
            (r.Label("status") == "fail" ? Node(r).Failing : Node(r).Warning).Add(r.Label("check") ?? "");
        }

        foreach (Row r in by["values"])
        {
            Builder b = Node(r);
            switch (r.Label("__name__"))
            {
                case IdsInUse: b.Ids = (long)r.Value; break;
                case IdsInUseLowerBound: b.IdsLowerBound = (long)r.Value; break;
                case IdsLimit: b.Limit = (long)r.Value; break;
                case Cgroups when r.Label("state") == "dying": b.Dying = (long)r.Value; break;
                case Eta: b.Eta = r.Value; break;
                case DyingGrowth: b.DyingPerSecond = r.Value; break;
            }
        }

        return [.. nodes.Values.Select(b => b.Build())];
    }

    private string Key(Row r)
        => r.Label(options.NodeLabel) is { Length: > 0 } node ? node : r.Label("instance") ?? "(no instance)";

    private async Task<IReadOnlyList<Row>> QueryAsync(string query, CancellationToken cancel)
    {
        var url = new Uri(server, "api/v1/query?query=" + Uri.EscapeDataString(query));
        (int status, byte[] body) = await FleetEndpoint.GetAsync(http, url, cancel).ConfigureAwait(false);
        return ParseAnswer(body, status, url, _keep);
    }

    /// <summary>
    /// One answer of /api/v1/query: {"status":"success","data":{"resultType":"vector","result":[{"metric":{...},
    /// "value":[1700000000.1,"42"]}]}}; anything else is a one-line error naming the URL. Only the labels in
    /// <paramref name="keep"/> are kept (all without it): a 5,000-node fleet answers with tens of thousands of
    /// series, and their other labels were most of the command's memory.
    /// </summary>
    internal static IReadOnlyList<Row> ParseAnswer(
        ReadOnlyMemory<byte> body,
        int status,
        Uri url,
        IReadOnlySet<string>? keep = null)
    {
        string where = url.GetLeftPart(UriPartial.Path);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            throw new FleetException(
                new Message("fleet.error.not-prometheus-json", where, status, FleetEndpoint.Shorten(body.Span)),
                badInput: false);
        }

        using (doc)
        {
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("status", out JsonElement s)
                || s.GetString() != "success")
            {
                string error = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out JsonElement e)
                    ? e.ToString()
                    : FleetEndpoint.Shorten(body.Span);
                throw new FleetException(new Message("fleet.error.answered", where, status, error), badInput: false);
            }

            if (!root.TryGetProperty("data", out JsonElement data)
                || !data.TryGetProperty("result", out JsonElement result)
                || result.ValueKind != JsonValueKind.Array)
            {
                throw new FleetException(new Message("fleet.error.no-data-result", where), badInput: false);
            }

            var rows = new List<Row>(result.GetArrayLength());
            foreach (JsonElement item in result.EnumerateArray())
            {
                var labels = new Dictionary<string, string>(StringComparer.Ordinal);
                if (item.TryGetProperty("metric", out JsonElement metric) && metric.ValueKind == JsonValueKind.Object)
                {
                    foreach (JsonProperty p in metric.EnumerateObject())
                    {
                        if (keep is null || keep.Contains(p.Name))
                        {
                            labels[p.Name] = p.Value.GetString() ?? "";
                        }
                    }
                }

                if (item.TryGetProperty("value", out JsonElement value) && value
                    .ValueKind == JsonValueKind.Array && value.GetArrayLength() == 2
                    && double.TryParse(
                        value[1].GetString(),
                        NumberStyles.Float,
                        CultureInfo.InvariantCulture,
                        out double v) && double.IsFinite(v))
                {
                    rows.Add(new Row(labels, v));
                }
            }

            return rows;
        }
    }

    private static Verdict? Parse(string? word)
        => Enum.GetValues<Verdict>().Cast<Verdict?>().FirstOrDefault(v => VerdictNames.Of(v!.Value) == word);

    /// <summary>PromQL's duration syntax: 1d, 6h, 90s.</summary>
    public static string Duration(TimeSpan t) =>
        t.TotalSeconds % 86400 == 0
            ? $"{t.TotalSeconds / 86400:0}d"
            : t.TotalSeconds % 3600 == 0 ? $"{t.TotalSeconds / 3600:0}h"
        : t.TotalSeconds % 60 == 0 ? $"{t.TotalSeconds / 60:0}m" : $"{Math.Max(1, Math.Ceiling(t.TotalSeconds)):0}s";

    /// <summary>
    /// "90s", "15m", "6h", "1d" (a plain number: seconds); a one-line error naming the option otherwise.
    /// </summary>
    public static TimeSpan ParseDuration(string text, string option)
    {
        (string digits, double unit) = text.Length > 0 && char.IsAsciiLetter(text[^1])
            ? (text[..^1], text[^1] switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, _ => 0 })
            : (text, 1);
        return unit > 0 && double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out double n)
            && n > 0
            && n * unit < 10 * 365 * 86400
            ? TimeSpan.FromSeconds(n * unit)
            : throw new FleetException(new Message("fleet.error.not-a-duration", option, text), badInput: true);
    }

    internal sealed record Row(IReadOnlyDictionary<string, string> Labels, double Value)
    {
        public string? Label(string name) => Labels.TryGetValue(name, out string? v) ? v : null;
    }

    private sealed class Builder(string name)
    {
        public bool Reporting;
        public Verdict? Verdict, LastVerdict;
        public long? Ids, IdsLowerBound, Limit, Dying;
        public double? Eta, DyingPerSecond;
        public string? Kernel, Runc, Kubelet;
        public DateTimeOffset? LastSeen;
        public List<string> Failing { get; } = [];
        public List<string> Warning { get; } = [];

        public FleetNode Build()
        {
            long? ids = Ids ?? IdsLowerBound;
            return new FleetNode
            {
                Name = name,
                Reporting = Reporting,
                Verdict = Reporting ? Verdict : LastVerdict,
                IdsInUse = Reporting ? ids : null,
                IdsAreLowerBound = Reporting && Ids is null && IdsLowerBound is not null,
                IdsLimit = Reporting ? Limit : null,
                Dying = Reporting ? Dying : null,
                SecondsToWall = Reporting ? Eta : null,
                IdsPerHour = Reporting && Eta is > 0 && Ids is { } used && Limit is { } limit
                    ? (limit - used) / Eta.Value * 3600
                    : null,
                DyingPerHour = Reporting ? DyingPerSecond * 3600 : null,
                Kernel = Empty(Kernel),
                Runc = Empty(Runc),
                Kubelet = Empty(Kubelet),
                FailingChecks = Reporting ? Failing : [],
                WarningChecks = Reporting ? Warning : [],
                LastSeen = LastSeen,
            };
        }

        private static string? Empty(string? s) => string.IsNullOrEmpty(s) ? null : s;
    }
}

/// <summary>--node-label, --job, --lookback.</summary>
public sealed record PrometheusFleetOptions(
    string NodeLabel = "node",
    string Job = "cgleak",
    TimeSpan Lookback = default)
{
    public TimeSpan Lookback { get; init; } = Lookback == default ? TimeSpan.FromDays(1) : Lookback;
}
