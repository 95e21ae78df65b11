// Each test boots a VM that uses both cores under software emulation: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
