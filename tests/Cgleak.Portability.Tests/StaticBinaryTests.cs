using Cgleak.Testing;

namespace Cgleak.Portability.Tests;

/// <summary>One build that runs on every node: static, glibc and OpenSSL inside, nothing loaded from it.</summary>
public class StaticBinaryTests
{
    [Fact]
    public void Both_binaries_have_no_interpreter_and_no_needed_library()
    {
        foreach (string binary in NativeBinaries.Both)
        {
            CgleakProcess.Result headers = CgleakProcess.RunTool("readelf", "-lW", binary);
            Assert.Equal(0, headers.ExitCode);
            // Not position-independent: nothing to relocate at start-up (NativeAot.props, issue #16).
            Assert.Contains("EXEC (Executable file)", headers.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("INTERP", headers.Stdout, StringComparison.Ordinal);

            CgleakProcess.Result dynamic = CgleakProcess.RunTool("readelf", "-dW", binary);
            Assert.Equal(0, dynamic.ExitCode);
            Assert.DoesNotContain("(NEEDED)", dynamic.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Version_verbose_names_the_glibc_and_openssl_linked_in()
    {
        foreach (string binary in NativeBinaries.Both)
        {
            CgleakProcess.Result run = CgleakProcess.RunTool(binary, "--version", "--verbose");
            Assert.Equal(0, run.ExitCode);
            Assert.Matches(@"(?m)^glibc 2\.\d+ \(linked into this binary\)$", run.Stdout);
            Assert.Matches(@"(?m)^OpenSSL [1-9]\.\d+\.\d+\w? \(linked into this binary\)$", run.Stdout);
            Assert.Matches(@"(?m)^\.NET 1\d\.\d+\.\d+ \(linked into this binary\)$", run.Stdout);
            Assert.Contains("built with the Debian packages: libc6-dev 2.", run.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Version_takes_verbose_and_nothing_else()
    {
        CgleakProcess.Result run = CgleakProcess.RunTool(NativeBinaries.Cgleak, "--version", "doctor");
        Assert.Equal(64, run.ExitCode);
        Assert.Contains("--version takes no other argument than --verbose", run.Stderr, StringComparison.Ordinal);
    }
}
