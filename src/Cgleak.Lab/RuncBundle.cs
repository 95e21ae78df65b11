using System.Text.Json.Nodes;
using Cgleak.Diagnosis.Text;
using Cgleak.Host;

namespace Cgleak.Lab;

/// <summary>
/// Runs busybox containers through the host's real runc: a read-only rootfs built on the fly from Debian's
/// busybox-static, one OCI bundle per container from `runc spec`, the pod's cgroup path as kubelet's
/// cgroupfs driver would give it, and a bind-mounted data directory the app writes its files into
/// (page cache charged to the container's memory cgroup, kmem-facts O7).
/// </summary>
public sealed class RuncBundle
{
    private readonly string _work;
    private readonly string _rootfs;
    private readonly JsonNode _template;
    private readonly long? _kmemLimit;

    private RuncBundle(string work, string rootfs, JsonNode template, long? kmemLimit, string runcVersion)
    {
        _work = work;
        _rootfs = rootfs;
        _template = template;
        _kmemLimit = kmemLimit;
        RuncVersion = runcVersion;
    }

    public string RuncVersion { get; }

    public static string? FindRunc() =>
        ((string[])["/usr/local/sbin/runc", "/usr/local/bin/runc", "/usr/sbin/runc", "/usr/bin/runc"]).FirstOrDefault(
            File.Exists);

    public static string? FindBusybox() =>
        ((string[])["/bin/busybox", "/usr/bin/busybox", "/usr/local/bin/busybox"]).FirstOrDefault(File.Exists);

    public static RuncBundle Build(string work, long? kmemLimit)
    {
        string runc = FindRunc() ?? throw new LabException(Messages.Get("lab.no-runc"));
        string busybox = FindBusybox() ?? throw new LabException(Messages.Get("lab.no-busybox"));
        if (HasInterpreter(File.ReadAllBytes(busybox)))
        {
            throw new LabException(Messages.Get("lab.busybox-dynamic", busybox));
        }

        string rootfs = Path.Combine(work, "rootfs");
        Directory.CreateDirectory(Path.Combine(rootfs, "bin"));
        Directory.CreateDirectory(Path.Combine(rootfs, "data"));
        foreach (string d in (string[])["proc", "dev", "sys", "tmp"])
        {
            Directory.CreateDirectory(Path.Combine(rootfs, d));
        }

        File.Copy(busybox, Path.Combine(rootfs, "bin", "busybox"));
        foreach (string applet in (string[])["sh", "sleep", "head", ":"])
        {
            if (applet != ":")
            {
                File.CreateSymbolicLink(Path.Combine(rootfs, "bin", applet), "busybox");
            }
        }

        string spec = Path.Combine(work, "spec");
        Directory.CreateDirectory(spec);
        (int code, _, string err) = Run(runc, ["spec", "--bundle", spec]);
        if (code != 0)
        {
            throw new LabException(Messages.Get("lab.runc-spec", err.Trim()));
        }

        JsonNode template = JsonNode.Parse(File.ReadAllText(Path.Combine(spec, "config.json")))!;
        (_, string version, _) = Run(runc, ["--version"]);
        return new RuncBundle(work, rootfs, template, kmemLimit, version.Split('\n')[0].Trim());
    }

    /// <summary>
    /// Starts a detached container; returns runc's warnings (e.g. "Kernel memory settings are ignored", R8).
    /// </summary>
    public IReadOnlyList<string> Run(string id, string cgroupsPath, string command, string dataDirectory)
    {
        string bundle = Path.Combine(_work, "bundle-" + id);
        Directory.CreateDirectory(bundle);
        JsonNode config = _template.DeepClone();
        config["root"] = new JsonObject { ["path"] = _rootfs, ["readonly"] = true };
        config["process"]!["terminal"] = false;
        config["process"]!["args"] = new JsonArray("sh", "-c", command);
        config["hostname"] = id.Length > 60 ? id[..60] : id;
        JsonNode linux = config["linux"]!;
        linux["cgroupsPath"] = cgroupsPath;
        linux["namespaces"] = new JsonArray(linux["namespaces"]!.AsArray()
            .Where(n => (string?)n!["type"] != "network").Select(n => n!.DeepClone()).ToArray());
        if (_kmemLimit is { } kmem)
        {
            linux["resources"] ??= new JsonObject();
            linux["resources"]!["memory"] = new JsonObject { ["kernel"] = kmem }; // as docker run --kernel-memory
        }

        JsonNode dataMount = new JsonObject
        {
            ["destination"] = "/data",
            ["type"] = "bind",
            ["source"] = dataDirectory,
            ["options"] = new JsonArray("rbind", "rw"),
        };
        config["mounts"]!.AsArray().Add(dataMount);
        File.WriteAllText(Path.Combine(bundle, "config.json"), config.ToJsonString());

        // Detached with terminal=false, the container inherits runc's stdio: give it /dev/null, never our pipes.
        string log = Path.Combine(bundle, "runc.stderr");
        (int code, _, _) = Run(
            "/bin/sh",
            ["-c", $"exec {FindRunc()} run -d --bundle '{bundle}' '{id}' </dev/null >/dev/null 2>'{log}'"]);
        string stderr = File.Exists(log) ? File.ReadAllText(log) : "";
        if (code != 0)
        {
            throw new LabException(Messages.Get("lab.runc-run", id, stderr.Trim()));
        }

        return stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Contains("msg=", StringComparison.Ordinal)
                ? l[(l.IndexOf("msg=", StringComparison.Ordinal) + 4)..].Trim('"')
                : l)
            .ToList();
    }

    /// <summary>True when an ELF64 file names a program interpreter (PT_INTERP): it is dynamically linked.</summary>
    internal static bool HasInterpreter(ReadOnlySpan<byte> elf)
    {
        if (elf.Length < 64 || !elf[..4].SequenceEqual("\u007fELF"u8) || elf[4] != 2)
        {
            return false;
        }

        long phoff = BitConverter.ToInt64(elf[0x20..]);
        int phentsize = BitConverter.ToUInt16(elf[0x36..]);
        int phnum = BitConverter.ToUInt16(elf[0x38..]);
        const uint PtInterp = 3;
        for (int i = 0; i < phnum; i++)
        {
            long at = phoff + ((long)i * phentsize);
            if (at + 4 <= elf.Length && BitConverter.ToUInt32(elf[(int)at..]) == PtInterp)
            {
                return true;
            }
        }

        return false;
    }

    public static bool Delete(string id)
    {
        if (FindRunc() is not { } runc)
        {
            return false;
        }

        (int code, _, string err) = Run(runc, ["delete", "--force", id]);
        return code == 0 || err.Contains("does not exist", StringComparison.Ordinal)
            || err.Contains("not exist", StringComparison.Ordinal);
    }

    private static (int Code, string Out, string Err) Run(string file, string[] args) =>
        ChildProcess.Run(file, args, TimeSpan.FromSeconds(30)) switch
        {
            null => (-1, "", $"cannot run {file}"),
            { TimedOut: true } => (-1, "", $"{file} {string.Join(' ', args)}: timed out"),
            var r => (r.ExitCode, r.Output, r.Error),
        };
}
