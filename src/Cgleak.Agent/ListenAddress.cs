using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Cgleak.Diagnosis.Text;

namespace Cgleak.Agent;

/// <summary>
/// Where the agent listens, from --listen HOST:PORT. HOST is an IP address (IPv6 in brackets), `localhost`
/// (127.0.0.1), or empty: ":9739" and "[::]:9739" listen on every address, IPv4 and IPv6 (one dual-stack
/// socket); "0.0.0.0:9739" on every IPv4 address only.
/// </summary>
public sealed record ListenAddress(IPAddress Address, int Port)
{
    /// <summary>An IPv6 "any" address: the socket takes IPv4 too (IPV6_V6ONLY off).</summary>
    public bool DualStack => Address.Equals(IPAddress.IPv6Any);

    /// <summary>Only this node can connect: 127.0.0.0/8 or ::1.</summary>
    public bool LoopbackOnly => IPAddress.IsLoopback(Address);

    public EndPoint EndPoint => new IPEndPoint(Address, Port);

    /// <summary>"127.0.0.1:9739", "[::]:9739".</summary>
    public override string ToString() => new IPEndPoint(Address, Port).ToString();

    /// <exception cref="FormatException">the text is not HOST:PORT; the message names the option and says what it
    /// should be.</exception>
    public static ListenAddress Parse(string text)
    {
        int colon = text.LastIndexOf(':');
        string host = colon < 0 ? "" : text[..colon];
        if (colon < 0
            || !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port)
            || port is < 1 or > 65535)
        {
            throw new FormatException(Messages.Get("agent.error.listen-form", text));
        }

        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            throw new FormatException(Messages.Get("agent.error.listen-ipv6", text, port));
        }

        IPAddress? address = host switch
        {
            "" or "*" or "+" => IPAddress.IPv6Any,
            "localhost" => IPAddress.Loopback,
            _ => IPAddress.TryParse(host, out IPAddress? a) ? a : null,
        };
        return address is null
            ? throw new FormatException(Messages.Get("agent.error.listen-host", text))
            : new ListenAddress(address, port);
    }

    /// <summary>
    /// The listening socket, bound now (so a port in use is an error before anything starts). A dual-stack
    /// address falls back to IPv4 on a node whose kernel has IPv6 off (ipv6.disable=1).
    /// </summary>
    /// <exception cref="SocketException">the address cannot be bound (in use, not on this node, a port below 1024
    /// without the capability).</exception>
    public Socket Bind(int backlog)
    {
        Socket socket;
        try
        {
            socket = new Socket(Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        }
        catch (SocketException e) when (DualStack && e.SocketErrorCode == SocketError.AddressFamilyNotSupported)
        {
            return (this with { Address = IPAddress.Any }).Bind(backlog);
        }

        try
        {
            if (DualStack)
            {
                socket.DualMode = true;
            }

            socket.Bind(EndPoint);
            socket.Listen(backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
