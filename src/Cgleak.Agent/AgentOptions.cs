using Cgleak.Diagnosis;
using Cgleak.Host;

namespace Cgleak.Agent;

/// <summary>How the agent runs: what it reads, how often, where it serves, what it renders /status with.</summary>
public sealed record AgentOptions(
    HostRoot Host,
    TimeSpan Interval,
    string Listen,
    TimeSpan Window,
    string Version,
    Func<DoctorReport, string> StatusJson)
{
    public const string DefaultListen = "127.0.0.1:9739";

    /// <summary>"127.0.0.1:9739" -> "http://127.0.0.1:9739/"; "0.0.0.0:9739" or ":9739" -> every address.</summary>
    public string Prefix
    {
        get
        {
            int colon = Listen.LastIndexOf(':');
            if (colon < 0 || !int.TryParse(Listen[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            {
                throw new ArgumentException($"--listen {Listen}: expected HOST:PORT");
            }

            string host = Listen[..colon].Trim('[', ']');
            // An address, never a name: the static binary's glibc must not load the node's NSS modules to resolve it.
            if (host is not "" && !System.Net.IPAddress.TryParse(host, out _))
            {
                throw new ArgumentException($"--listen {Listen}: HOST must be an IP address (127.0.0.1, 0.0.0.0, ::1), not a name");
            }

            return $"http://{(host is "" or "0.0.0.0" or "::" ? "+" : Listen[..colon])}:{port}/";
        }
    }
}
