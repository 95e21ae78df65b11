namespace Cgleak.Testing;

/// <summary>
/// What kubelet projects into a pod: ca.crt, token, namespace; mode 0644 (kubelet's default), so a non-root container
/// reads it.
/// </summary>
internal sealed class ServiceAccountDirectory : IDisposable
{
    public ServiceAccountDirectory(string caPem, string token)
    {
        Path = Directory.CreateTempSubdirectory("cgleak-serviceaccount-").FullName;
        File.WriteAllText(System.IO.Path.Combine(Path, "ca.crt"), caPem);
        File.WriteAllText(System.IO.Path.Combine(Path, "token"), token + "\n");
        File.WriteAllText(System.IO.Path.Combine(Path, "namespace"), "cgleak\n");
        File.SetUnixFileMode(Path, (UnixFileMode)0b111_101_101);
        foreach (string file in Directory.GetFiles(Path))
        {
            File.SetUnixFileMode(file, (UnixFileMode)0b110_100_100);
        }
    }

    public string Path { get; }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
