namespace Cgleak.Diagnosis.Checks;

/// <summary>Every check, in the order a report lists them. Listed here explicitly: no reflection.</summary>
public static class CheckCatalog
{
    public static IReadOnlyList<ICheck> All { get; } =
    [
        new IdHeadroomCheck(),
        new DyingCheck(),
        new KernelKmemLeakCheck(),
        new NokmemArgumentCheck(),
        new KmemActiveCgroupsCheck(),
        new RuncCheck(),
        new ContainerdCheck(),
        new KubeletKmemCheck(),
        new LogSymptomCheck(),
    ];
}
