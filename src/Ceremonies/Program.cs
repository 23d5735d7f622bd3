using Ceremonies.Data;
using Ceremonies.Features.Clock;
using Ceremonies.Infrastructure.Email;
using Ceremonies.Infrastructure.Http;
using Ceremonies.Infrastructure.Outbox;
using Ceremonies.Infrastructure.Scheduling;

var builder = WebApplication.CreateBuilder(args);
builder.AddWebDefaults();
builder.AddData();
builder.AddEmail();
builder.AddOutbox();
builder.AddScheduling(q =>
{
    q.AddOutboxDispatch(builder.Configuration);
    q.AddJobRunPruning();
});

var app = builder.Build();
app.UseWebDefaults();
await app.Services.MigrateIfConfiguredAsync(app.Lifetime.ApplicationStopping);

app.MapHealth();
app.MapOpenApi("/openapi/v1.json");
app.MapClock();
app.MapRazorPages();

await app.RunAsync();
