namespace Cgleak.Portability.Tests;

/// <summary>A temporary directory, removed on dispose.</summary>
internal sealed class ScratchDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("cgleak-scratch-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
