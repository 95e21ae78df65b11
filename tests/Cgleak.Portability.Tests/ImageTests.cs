using System.Diagnostics;
using System.Net;
using Cgleak.Testing;
using k8s;
using k8s.Models;

namespace Cgleak.Portability.Tests;

/// <summary>
/// The OCI archive packaging/build makes, run by podman with the DaemonSet's own security settings, read from
/// deploy/kubernetes/20-daemonset.yaml: read-only root, its user, all capabilities dropped, no new privileges,
/// the host mounts read-only under /host. A private image store, lower rlimits (this sandbox refuses podman's
/// defaults), and a cgroup parent of the test's own, removed after (podman leaves libpod_parent/ in every hierarchy);
/// under the kernel lock.
/// </summary>
[Collection(SharedArtifacts.Name)]
public sealed class ImageTests(Artifacts artifacts) : IDisposable
{
    private readonly AgentProcesses _agents = new();

    public void Dispose() => _agents.Dispose();

    [Fact]
    public void The_image_runs_with_the_daemonsets_security_settings_and_serves_metrics()
    {
        V1DaemonSet ds = KubernetesYaml.Deserialize<V1DaemonSet>(
            File.ReadAllText(Path.Combine(Repo.Root, "deploy", "kubernetes", "20-daemonset.yaml")));
        V1PodSpec pod = ds.Spec.Template.Spec;
        V1Container container = pod.Containers.Single();
        V1SecurityContext security = container.SecurityContext;
        Assert.NotNull(security);
        Assert.Equal($"cgleak:{artifacts.Version}", container.Image);

        string store = Directory.CreateTempSubdirectory("cgleak-podman-").FullName;
        string parent = $"cgleak-test-podman-{Environment.ProcessId}";
        int port = AgentProcesses.FreePort();
        string[] storeArgs = ["--root", Path.Combine(store, "root"), "--runroot", Path.Combine(
            store,
            "run"), "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs"];
        var args = new List<string>(storeArgs)
        {
            "run", "--rm", "--network", "host", "--cgroup-parent", "/" + parent,
            "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
            "--user",
                $"{security.RunAsUser ?? pod.SecurityContext.RunAsUser}:" +
                $"{security.RunAsGroup ?? pod.SecurityContext.RunAsGroup}",
        };
        if (security.ReadOnlyRootFilesystem == true)
        {
            args.Add("--read-only");
        }

        if (security.AllowPrivilegeEscalation == false)
        {
            args.AddRange(["--security-opt", "no-new-privileges"]);
        }

        foreach (string drop in security.Capabilities.Drop)
        {
            args.AddRange(["--cap-drop", drop]);
        }

        foreach (V1VolumeMount mount in container.VolumeMounts)
        {
            string host = pod.Volumes.Single(v => v.Name == mount.Name).HostPath.Path;
            string options = (mount.ReadOnlyProperty == true ? "ro" : "rw")
                + (mount.MountPropagation == "HostToContainer" ? ",rslave" : "");
            args.AddRange(["-v", $"{host}:{mount.MountPath}:{options}"]);
        }

        args.Add($"oci-archive:{artifacts.Image}");
        // The pod's own arguments, but on a loopback port of this machine and without the API server it has not got.
        args.AddRange(
            container.Args.Where(a => a != "--kubernetes" && !a.StartsWith("--listen", StringComparison.Ordinal)));
        args.Add($"--listen=127.0.0.1:{port}");
        Assert.Contains("--host-root=/host", container.Args);

        using var kernelLock = KernelLock.Take();
        try
        {
            var start = new ProcessStartInfo("podman", args);
            AgentProcesses.Started agent = _agents.Start(start);
            AgentProcesses.WaitFor(
                () => agent.Process.HasExited || _agents.Status(port, "/readyz") == HttpStatusCode.OK,
                seconds: 120);
            Assert.False(agent.Process.HasExited, agent.Log);
            string metrics = _agents.Get(port, "/metrics");
            Assert.Matches("(?m)^cgleak_verdict\\{verdict=\"[a-z-]+\"\\} 1$", metrics);
            Assert.Equal(0, AgentProcesses.Terminate(agent.Process));
        }
        finally
        {
            _agents.StopAll();
            CgleakProcess.Capture(new ProcessStartInfo("podman", [.. storeArgs, "system", "reset", "--force"]));
            CgleakProcess.RunTool(
                "sh",
                "-c",
                "mountpoint -q \"$1\" && umount -R \"$1\"; true",
                "sh",
                Path.Combine(store, "root"));
            Directory.Delete(store, recursive: true);
            foreach (string hierarchy in Directory.GetDirectories("/sys/fs/cgroup"))
            {
                RemoveTree(Path.Combine(hierarchy, parent));
            }

            if (File.Exists("/sys/fs/cgroup/cgroup.controllers"))
            {
                RemoveTree(Path.Combine("/sys/fs/cgroup", parent));
            }
        }
    }

    /// <summary>rmdir, bottom-up: a cgroup directory is removed empty, never recursively.</summary>
    private static void RemoveTree(string cgroup)
    {
        if (!Directory.Exists(cgroup))
        {
            return;
        }

        foreach (string child in Directory.GetDirectories(cgroup))
        {
            RemoveTree(child);
        }

        Directory.Delete(cgroup);
    }
}
