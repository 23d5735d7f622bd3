namespace Ceremonies.Tests;

// What ops/test starts for the suite. Run the tests through ops/test (or export the same variables).
internal static class TestEnvironment
{
    public static string Database => Required("CEREMONIES_TEST_DB");

    public static (string Host, int Port) Smtp
    {
        get
        {
            var value = Required("CEREMONIES_TEST_SMTP");
            var colon = value.LastIndexOf(':');
            return (value[..colon], int.Parse(value[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    public static Uri MailDev => new(Required("CEREMONIES_TEST_MAILDEV"));

    public static string MailDevExecutable => Required("CEREMONIES_TEST_MAILDEV_BIN");

    public static string Chromium => Required("CEREMONIES_TEST_CHROMIUM");

    public static string IcsParser => Required("CEREMONIES_TEST_ICS_PARSER");

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{name} is not set. Run the suite with ops/test, which starts PostgreSQL, MailDev and Chromium for it.");
}
