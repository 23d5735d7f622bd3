namespace Ceremonies.Infrastructure.Security;

// Site-wide roles. Venue managers and staff are not roles but memberships of one venue.
public static class Roles
{
    public const string Admin = "admin";
    public const string Moderator = "moderator";
}

public static class Policies
{
    public const string Admin = "admin";
    public const string Moderator = "moderator";
}
