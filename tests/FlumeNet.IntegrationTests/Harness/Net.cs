using System.Net;
using System.Net.Sockets;

namespace FlumeNet.IntegrationTests.Harness;

public static class Net
{
    /// <summary>A TCP port free on <paramref name="address"/> right now (the OS picks it).</summary>
    public static int FreePort(string address = "127.0.0.1")
    {
        var l = new TcpListener(IPAddress.Parse(address), 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>True when something accepts TCP connections at <paramref name="address"/>:<paramref name="port"/>.</summary>
    public static bool IsListening(string address, int port)
    {
        try
        {
            using var c = new TcpClient();
            c.Connect(IPAddress.Parse(address), port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
