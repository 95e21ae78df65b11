using System.Net;
using System.Text.Json.Nodes;
using Cgleak.Testing;
using k8s;
using k8s.Models;

namespace Cgleak.Agent.Tests;

/// <summary>
/// The DaemonSet's pod as kubelet and a container runtime would start it, under real runc: the container of
/// deploy/kubernetes/20-daemonset.yaml (its args, env, user and group, read-only root filesystem, no
/// capabilities, no privilege escalation, host mounts, memory and CPU limits) as an OCI bundle whose root holds
/// what the image holds: the two native binaries and the libraries they load (the distroless base's glibc and
/// OpenSSL). The service account is projected at kubelet's path, the API server is the Kubernetes API STAND-IN.
/// Not as in a cluster: the host's network namespace (the stand-in and the scrapes on loopback), no seccomp
/// profile, and no image: the Dockerfile needs a Docker engine and its base images, neither reachable here.
/// </summary>
public sealed class DaemonSetPodTests : IDisposable
{
    private const string Node = "node-1";
    private readonly AgentProcesses _agents = new();
    private readonly string _bundle = Directory.CreateTempSubdirectory("cgleak-pod-").FullName;
    // The container's id is not "cgleak-...": the repro tests, running beside this one, take every such runc
    // container for one of theirs left behind. Its cgroup is a test's own: cgleak-test-*.
    private readonly string _id = $"daemonset-pod-test-{Environment.ProcessId}";
    private readonly string _cgroup = $"cgleak-test-pod-{Environment.ProcessId}";

    public void Dispose()
    {
        CgleakProcess.RunTool("runc", "delete", "--force", _id);
        _agents.Dispose();
        foreach (string hierarchy in Directory.GetDirectories("/sys/fs/cgroup"))
        {
            string cgroup = Path.Combine(hierarchy, _cgroup); // runc makes the path in every hierarchy
            if (Directory.Exists(cgroup))
            {
                Directory.Delete(cgroup);
            }
        }

        Directory.Delete(_bundle, recursive: true);
    }

    [Fact]
    public void The_daemonset_pod_runs_as_its_manifest_says_reads_the_host_through_its_mounts_and_keeps_the_condition()
    {
        V1DaemonSet ds = KubernetesYaml.Deserialize<V1DaemonSet>(
            File.ReadAllText(Path.Combine(Repo.Root, "deploy", "kubernetes", "20-daemonset.yaml")),
            strict: true);
        using var pki = new TestPki();
        using var serviceAccount = new ServiceAccountDirectory(pki.CaPem, "token-1");
        using var api = new KubernetesApiStandIn(pki.Server);
        int port = AgentProcesses.FreePort();
        File.WriteAllText(
            Path.Combine(_bundle, "config.json"),
            OciConfig(ds.Spec.Template.Spec, port, api.Port, serviceAccount.Path).ToJsonString());
        MakeImageRoot(Path.Combine(_bundle, "rootfs"));

        AgentProcesses.Started runc = _agents.Start("runc", "run", "--bundle", _bundle, _id);
        AgentProcesses.WaitFor(() => _agents.Status(port, "/readyz") == HttpStatusCode.OK || runc.Process.HasExited);
        Assert.False(runc.Process.HasExited, runc.Log);

        // As the manifest says: nobody, no capabilities, no new privileges, inside the pod's memory limit.
        int pid = (int)JsonNode.Parse(CgleakProcess.RunTool("runc", "state", _id).Stdout)!["pid"]!;
        string status = File.ReadAllText($"/proc/{pid}/status");
        Assert.Contains("Uid:\t65534\t65534\t65534\t65534", status, StringComparison.Ordinal);
        Assert.Contains("CapEff:\t0000000000000000", status, StringComparison.Ordinal);
        Assert.Contains("NoNewPrivs:\t1", status, StringComparison.Ordinal);
        Assert.EndsWith(
            "/cgleak-agent",
            File.ResolveLinkTarget($"/proc/{pid}/exe", returnFinalTarget: false)!.FullName,
            StringComparison.Ordinal);
        Assert.Equal("100663296", File.ReadAllText($"/sys/fs/cgroup/memory/{_cgroup}/memory.limit_in_bytes").Trim());

        // It reads this host through /host as nobody, without a problem, and finds what the doctor finds here.
        string metrics = _agents.Get(port, "/metrics");
        Assert.Contains("cgleak_scan_errors_total 0", metrics, StringComparison.Ordinal);
        Assert.Contains("cgleak_memory_cgroup_ids_limit 65535", metrics, StringComparison.Ordinal);
        Assert.Contains("cgleak_memory_cgroups{state=\"live\"}", metrics, StringComparison.Ordinal);
        Assert.Equal("/host", (string?)JsonNode.Parse(_agents.Get(port, "/status"))!["host"]!["root"]);

        var requests = api.WaitFor(
            rs => rs.Any(r => r.Method == "PATCH" && r.Path == $"/api/v1/nodes/{Node}/status"),
            TimeSpan.FromSeconds(60));
        JsonNode condition = JsonNode.Parse(requests.First(r => r.Path == $"/api/v1/nodes/{Node}/status")
            .Body)!["status"]!["conditions"]![0]!;
        Assert.Equal("MemoryCgroupPressure", (string?)condition["type"]);
        Assert.All(requests, r => Assert.Equal("Bearer token-1", r.Authorization));

        Assert.Equal(0, AgentProcesses.Terminate(runc.Process)); // kubelet stops a pod with SIGTERM
    }

    /// <summary>
    /// The pod's one container as an OCI runtime spec, the way a CRI runtime builds it from the pod spec.
    /// </summary>
    private JsonObject OciConfig(V1PodSpec pod, int port, int apiPort, string serviceAccount)
    {
        V1Container c = pod.Containers.Single();
        Assert.Equal(["ALL"], c.SecurityContext.Capabilities.Drop);
        string[] args = ["/usr/local/bin/cgleak", .. c.Args
            .Select(a => a.StartsWith("--listen=", StringComparison.Ordinal) ? $"--listen=127.0.0.1:{port}" : a)];
        string[] env =
        [
            "PATH=/usr/local/bin:/usr/bin:/bin",
            .. c.Env.Select(
                e => e.ValueFrom?.FieldRef?.FieldPath == "spec.nodeName" ? $"{e.Name}={Node}" : $"{e.Name}={e.Value}"),
            "KUBERNETES_SERVICE_HOST=127.0.0.1",
            $"KUBERNETES_SERVICE_PORT={apiPort}",
        ];

        var mounts = new JsonArray(
            Mount("/proc", "proc", "proc", []),
            Mount("/dev", "tmpfs", "tmpfs", ["nosuid", "strictatime", "mode=755", "size=65536k"]),
            Mount("/sys", "sysfs", "sysfs", ["nosuid", "noexec", "nodev", "ro"]),
            Mount("/var/run/secrets/kubernetes.io/serviceaccount", "bind", serviceAccount, ["rbind", "ro"]));
        foreach (V1VolumeMount m in c.VolumeMounts)
        {
            string hostPath = pod.Volumes.Single(v => v.Name == m.Name).HostPath.Path;
            string[] options = m.MountPropagation == "HostToContainer" ? ["rbind", "ro", "rslave"] : ["rbind", "ro"];
            mounts.Add((JsonNode)Mount(m.MountPath, "bind", hostPath, options));
        }

        long memory = c.Resources.Limits["memory"].ToInt64();
        long cpuQuota = (long)(c.Resources.Limits["cpu"].ToDecimal() * 100_000);
        return new JsonObject
        {
            ["ociVersion"] = "1.0.2",
            ["process"] = new JsonObject
            {
                ["user"] = new JsonObject
                {
                    ["uid"] = pod.SecurityContext.RunAsUser,
                    ["gid"] = pod.SecurityContext.RunAsGroup
                },
                ["args"] = new JsonArray([.. args.Select(a => (JsonNode)a)]),
                ["env"] = new JsonArray([.. env.Select(e => (JsonNode)e)]),
                ["cwd"] = "/",
                ["noNewPrivileges"] = c.SecurityContext.AllowPrivilegeEscalation == false,
                ["capabilities"] = new JsonObject
                {
                    ["bounding"] = new JsonArray(),
                    ["effective"] = new JsonArray(),
                    ["permitted"] = new JsonArray()
                },
            },
            ["root"] = new JsonObject
            {
                ["path"] = "rootfs",
                ["readonly"] = c.SecurityContext.ReadOnlyRootFilesystem == true
            },
            ["hostname"] = "cgleak-pod",
            ["mounts"] = mounts,
            ["linux"] = new JsonObject
            {
                ["cgroupsPath"] = "/" + _cgroup,
                ["resources"] = new JsonObject
                {
                    ["memory"] = new JsonObject { ["limit"] = memory },
                    ["cpu"] = new JsonObject { ["quota"] = cpuQuota, ["period"] = 100_000 },
                },
                ["namespaces"] = new JsonArray(
                    new JsonObject { ["type"] = "pid" }, new JsonObject { ["type"] = "ipc" },
                    new JsonObject { ["type"] = "uts" }, new JsonObject { ["type"] = "mount" }),
                ["maskedPaths"] = new JsonArray("/proc/kcore", "/proc/keys", "/proc/timer_list"),
                ["readonlyPaths"] = new JsonArray("/proc/sys", "/proc/sysrq-trigger"),
            },
        };

        static JsonObject Mount(string destination, string type, string source, string[] options) => new()
        {
            ["destination"] = destination,
            ["type"] = type,
            ["source"] = source,
            ["options"] = new JsonArray([.. options.Select(o => (JsonNode)o)]),
        };
    }

    /// <summary>
    /// What deploy/Dockerfile's image holds: cgleak and cgleak-agent, glibc, and the OpenSSL the agent loads for HTTPS.
    /// </summary>
    private static void MakeImageRoot(string rootfs)
    {
        string bin = Path.Combine(rootfs, "usr", "local", "bin");
        Directory.CreateDirectory(bin);
        string built = Path.GetDirectoryName(CgleakProcess.Native)!;
        foreach (string program in (string[])["cgleak", "cgleak-agent"])
        {
            File.Copy(Path.Combine(built, program), Path.Combine(bin, program));
        }

        var libraries = CgleakProcess.RunTool("ldd", Path.Combine(bin, "cgleak"), Path.Combine(bin, "cgleak-agent"))
            .Stdout
            .Split('\n')
            .Where(line => line.StartsWith('\t')) // not the "file:" headers
            .Select(line => line.Split("=>")[^1].Trim().Split(' ')[0])
            .Where(path => path.StartsWith('/'))
            .Concat(["/usr/lib/x86_64-linux-gnu/libssl.so.3", "/usr/lib/x86_64-linux-gnu/libcrypto.so.3"]);
        foreach (string library in libraries.Distinct())
        {
            string copy = rootfs + library;
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(library, copy, overwrite: true); // follows the host's symlinks
        }
    }
}
