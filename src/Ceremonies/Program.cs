using Ceremonies.Data;
using Ceremonies.Features.Accounts;
using Ceremonies.Features.Admin;
using Ceremonies.Features.Bookings;
using Ceremonies.Features.Clock;
using Ceremonies.Features.Demo;
using Ceremonies.Features.Observances;
using Ceremonies.Features.Venues;
using Ceremonies.Infrastructure.Caching;
using Ceremonies.Infrastructure.Email;
using Ceremonies.Infrastructure.Http;
using Ceremonies.Infrastructure.Outbox;
using Ceremonies.Infrastructure.Jobs;
using Ceremonies.Infrastructure.Security;

var builder = WebApplication.CreateBuilder(args);
builder.AddWebDefaults();
builder.AddData();
builder.AddReferenceCache();
builder.AddSharedDataProtection();
builder.AddRateLimits();
builder.AddEmail();
builder.AddOutbox();
builder.AddAccounts();
builder.AddVenues();
builder.AddBookings();
builder.AddObservances();
builder.AddJobs();

var app = builder.Build();
app.UseWebDefaults();
await app.Services.MigrateIfConfiguredAsync(app.Lifetime.ApplicationStopping);
await app.SeedDemoIfConfiguredAsync(app.Lifetime.ApplicationStopping);

app.MapHealth();
app.MapOpenApi("/openapi/v1.json");
app.MapClock();
app.MapAccounts();
app.MapVenues();
app.MapVenueStaff();
app.MapBookingEndpoints();
app.MapObservances();
app.MapAdmin();
app.MapJobsDashboard();
app.MapRazorPages();

await app.RunAsync();
