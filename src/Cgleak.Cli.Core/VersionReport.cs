using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Reflection;
using System.Runtime.InteropServices;
using Cgleak.Diagnosis.Text;
using Cgleak.Host.Kernel;

namespace Cgleak.Cli.Core;

/// <summary>
/// `--version --verbose`: besides the version, what is frozen into the static binary (glibc, OpenSSL, the .NET
/// runtime), so a reader of a security advisory can tell whether this binary carries the fix; a fix reaches it
/// only by a rebuild (README, "Security updates").
/// </summary>
public static partial class VersionReport
{
    /// <summary>"0.1.0", without the commit.</summary>
    public static string Version => Informational.Split('+')[0];

    private static string Informational =>
        Program.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private static Assembly Program => Assembly.GetEntryAssembly() ?? typeof(VersionReport).Assembly;

    /// <summary>Lets the root's --version take --verbose (and nothing else).</summary>
    public static void Install(RootCommand root)
    {
        VersionOption version = root.Options.OfType<VersionOption>().Single();
        var verbose = new Option<bool>("--verbose")
        {
            Description = Messages.Get("help.versionreport.verbose"),
        };
        root.Options.Add(verbose);
        version.Validators.Clear();
        version.Validators.Add(result =>
        {
            if (result.Parent is CommandResult parent
                && parent.Children.Any(c => c is not OptionResult { Option: VersionOption }
                    && (c as OptionResult)?.Option != verbose))
            {
                result.AddError(Messages.Get("error.version-args"));
            }
        });
        version.Action = new Print(verbose);
    }

    /// <summary>The lines --version --verbose prints after the version.</summary>
    public static IEnumerable<string> Linked()
    {
        // What this process mapped says whether a library came from a file of this system or is inside the binary.
        long openSsl = System.Security.Cryptography.SafeEvpPKeyHandle.OpenSslVersion;
        KernelRead maps = KernelFile.Read("/proc/self/maps");
        string How(string file) => !maps.IsOk ? $"/proc/self/maps: {maps.ErrorText}"
            : maps.Text.Split('\n').FirstOrDefault(l => l.Contains(file, StringComparison.Ordinal)) is { } line
                ? "loaded from " + line[line.IndexOf('/', StringComparison.Ordinal)..]
                : "linked into this binary";
        yield return $"glibc {Marshal.PtrToStringUTF8(GnuGetLibcVersion())} ({How("/libc.so")})";
        yield return $"OpenSSL {OpenSsl(openSsl)} ({How("/libssl.so")})";
        yield return $"{RuntimeInformation.FrameworkDescription} ({How("/libcoreclr.so")})";
        if (Program.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "CgleakBuiltWith")?.Value is { Length: > 0 } packages)
        {
            yield return $"built with the Debian packages: {packages.Replace(";", ", ", StringComparison.Ordinal)}";
        }

        yield return $"kernel here: {Environment.OSVersion.Version} ({RuntimeInformation.OSArchitecture})";
        yield return "What is linked into the binary is frozen there: a security fix in it reaches this program by " +
            "a new build of cgleak (README, \"Security updates\").";
    }

    /// <summary>OPENSSL_VERSION_NUMBER as text: 0x30000110 is 3.0.17 (MNN00PP0; up to 1.1.1: MNNFFPPS).</summary>
    public static string OpenSsl(long number)
    {
        if (number >= 0x30000000)
        {
            return $"{number >> 28}.{(number >> 20) & 0xff}.{(number >> 4) & 0xff}";
        }

        long letter = (number >> 4) & 0xff;
        string suffix = letter is > 0 and < 27 ? ((char)('a' + letter - 1)).ToString() : "";
        return $"{number >> 28}.{(number >> 20) & 0xff}.{(number >> 12) & 0xff}{suffix}";
    }

    [LibraryImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static partial nint GnuGetLibcVersion();

    private sealed class Print(Option<bool> verbose) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            Console.Out.WriteLine(Informational);
            if (parseResult.GetValue(verbose))
            {
                foreach (string line in Linked())
                {
                    Console.Out.WriteLine(line);
                }
            }

            return ExitCodes.Ok;
        }
    }
}
