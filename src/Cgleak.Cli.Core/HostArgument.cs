using Cgleak.Diagnosis.Text;
using Cgleak.Host;

namespace Cgleak.Cli.Core;

/// <summary>
/// --host-root DIR, as every command reads it: this machine when absent, a usage error when DIR is not a directory.
/// </summary>
public static class HostArgument
{
    public static HostRoot Resolve(string? directory)
    {
        if (directory is null)
        {
            return HostRoot.Live;
        }

        if (!Directory.Exists(directory))
        {
            throw new UserFacingException(
                Messages.Get("error.not-a-directory", "--host-root", directory),
                ExitCodes.Usage);
        }

        return HostRoot.At(directory);
    }
}
