using System.Net.Sockets;

namespace Cgleak.Agent.Tests;

internal static class TestSockets
{
    /// <summary>
    /// The server closed the connection without a response: end of stream, or a reset (closed with bytes it had not
    /// read); false when the receive timed out with it still open.
    /// </summary>
    public static bool ClosedByServer(Socket s)
    {
        try
        {
            return s.Receive(new byte[64]) == 0;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            return false;
        }
    }
}
