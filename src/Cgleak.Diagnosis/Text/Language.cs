namespace Cgleak.Diagnosis.Text;

/// <summary>The languages cgleak's text is written in. JSON, exit codes and identifiers never change with it.</summary>
public enum Language
{
    En,
    ZhCN,
}
