// These tests share one kernel and read its global counts: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
