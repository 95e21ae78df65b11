using System.Diagnostics;
using Cgleak.Testing;

namespace Cgleak.Vm.Tests;

/// <summary>
/// tests/vm/run-in-vm itself: what it promises about output, exit codes, the host's files and stopping the VM.
/// </summary>
public sealed class HarnessTests
{
    [Fact]
    public void The_commands_output_and_exit_code_come_back_and_its_writes_never_reach_the_host()
    {
        string marker = Path.Combine(Repo.Root, ".cgleak-build", "written-in-the-vm-" + Guid.NewGuid().ToString("N"));
        var vm = VirtualMachine.Run("v1", $"""
            echo "kernel $(uname -r)"; echo "to stderr" >&2
            echo "from the VM" > {marker} && cat {marker}
            grep -c '^memory' /proc/cgroups
            exit 7
            """, TimeSpan.FromMinutes(2));
        Assert.Equal(7, vm.ExitCode);
        Assert.Matches(@"^kernel \d+\.\d+\.\d+-\d+-amd64\nfrom the VM\n1\n$", vm.Stdout);
        Assert.Contains("to stderr", vm.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(marker), "a write inside the VM reached the host");
    }

    [Fact]
    public void A_timeout_stops_the_vm_with_124_and_a_killed_caller_takes_the_vm_with_it()
    {
        var timedOut = VirtualMachine.Run("v1", "sleep 600", TimeSpan.FromSeconds(30));
        Assert.Equal(124, timedOut.ExitCode);
        Assert.Contains("did not finish within 30s", timedOut.Stderr, StringComparison.Ordinal);
        Assert.Empty(VirtualMachines());

        // The caller is SIGKILLed (as a test host can be): the VM must not outlive it.
        using Process caller = Process.Start(
            "sh",
            ["-c", $"{Path.Combine(Repo.Root, "tests", "vm", "run-in-vm")} -- sleep 600 > /dev/null 2>&1 & wait"])!;
        AgentProcesses.WaitFor(() => VirtualMachines().Count > 0, seconds: 60);
        caller.Kill(); // SIGKILL, the shell only: run-in-vm and qemu are left to notice
        AgentProcesses.WaitFor(() => VirtualMachines().Count == 0, seconds: 30);
    }

    /// <summary>Running qemu processes started by run-in-vm (the VM tests run one at a time).</summary>
    private static List<int> VirtualMachines() =>
        [.. Directory.GetDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0)
            .Where(pid => pid > 0 && Cmdline(pid) is var cmdline
                && cmdline.StartsWith("qemu-system", StringComparison.Ordinal)
                && cmdline.Contains("cgleak.run=", StringComparison.Ordinal))];

    private static string Cmdline(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }
}
