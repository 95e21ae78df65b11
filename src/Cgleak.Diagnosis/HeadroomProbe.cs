namespace Cgleak.Diagnosis;

/// <summary>
/// A headroom probe's finding, when one was run with the doctor (cgleak doctor --probe): free memory cgroup
/// slots found by trying, exact when the kernel refused (the wall), else a lower bound. The probe writes (Lab);
/// its caller hands the result to <see cref="Doctor"/>, which counts with it.
/// </summary>
public sealed record HeadroomProbe(int Created, long FreeSlots, bool Exact, string? Refusal);
