using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Data;

// The context names no entity of ours: each feature keeps its entity and configuration in its own
// folder and adds its set as an extension property (db.Venues), so references run from features to
// Data. Identity's tables come from the base class. Column, key and index names are snake_case by
// EFCore.NamingConventions (DataSetup); table names stay explicit, because the convention takes the
// CLR name (venue, not venues) and keeps a name already given (Identity's AspNetUsers).
public sealed class CeremoniesDb(DbContextOptions<CeremoniesDb> options)
    : IdentityDbContext<IdentityUser<Guid>, IdentityRole<Guid>, Guid>(options)
{
    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        // The hand-written migrations named Identity's tables in our own style.
        builder.Entity<IdentityUser<Guid>>().ToTable("users");
        builder.Entity<IdentityRole<Guid>>().ToTable("roles");
        builder.Entity<IdentityUserRole<Guid>>().ToTable("user_roles");
        builder.Entity<IdentityUserClaim<Guid>>().ToTable("user_claims");
        builder.Entity<IdentityUserLogin<Guid>>().ToTable("user_logins");
        builder.Entity<IdentityUserToken<Guid>>().ToTable("user_tokens");
        builder.Entity<IdentityRoleClaim<Guid>>().ToTable("role_claims");
        builder.ApplyConfigurationsFromAssembly(typeof(CeremoniesDb).Assembly);
    }
}
