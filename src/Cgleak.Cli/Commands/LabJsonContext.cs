namespace Cgleak.Cli.Commands;

/// <summary>The JSON forms of the commands that write (and of verify), source-generated for Native AOT.</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(ProbeDocument))]
[System.Text.Json.Serialization.JsonSerializable(typeof(CleanupDocument))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ReclaimDocument))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ReproDocument))]
[System.Text.Json.Serialization.JsonSerializable(typeof(VerifyDocument))]
public sealed partial class LabJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
