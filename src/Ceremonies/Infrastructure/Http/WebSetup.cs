using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Ceremonies.Infrastructure.Security;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Ceremonies.Infrastructure.Http;

public static class WebSetup
{
    // Bodies the API accepts are small; anything larger is refused before it is read.
    public const long MaxRequestBodyBytes = 1024 * 1024;

    public const int ListenBacklog = 4096;

    public static WebApplicationBuilder AddWebDefaults(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SiteOptions>().BindConfiguration(SiteOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Catch a scoped service captured by a singleton in every environment, not only in Development.
        builder.Host.UseDefaultServiceProvider(o =>
        {
            o.ValidateScopes = true;
            o.ValidateOnBuild = true;
        });
        if (!builder.Environment.IsDevelopment())
        {
            builder.Logging.ClearProviders().AddJsonConsole(o => o.UseUtcTimestamp = true);
        }
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        // Connections that arrive while the process is busy (a pause, a burst) wait in the kernel's
        // accept queue. Kestrel's 512 overflowed under a one-second stall at 1,000 requests/s; the
        // kernel then drops the handshake and the clients retry after 1 s, 3 s, 7 s, turning the stall
        // into seconds of backlog. The kernel caps this at net.core.somaxconn (4096 on Debian 12).
        builder.Services.Configure<SocketTransportOptions>(o => o.Backlog = ListenBacklog);
        builder.Services.Configure<FormOptions>(o => o.MultipartBodyLengthLimit = MaxRequestBodyBytes);

        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Extensions["traceId"] = Activity.Current?.Id ?? context.HttpContext.TraceIdentifier;
            if (context.ProblemDetails is HttpValidationProblemDetails validation)
            {
                FieldNames.UseJsonNames(validation.Errors);
            }
        });
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        builder.Services.AddExceptionHandler<DatabaseUnavailableHandler>();
        // Let unreadable bodies reach the exception handler, which names the bad field.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddValidation();
        builder.Services.AddOpenApi(o => o.DescribeWhatEndpointsAccept());
        builder.Services.AddRazorPages(o => o.RootDirectory = "/Features")
            .AddMvcOptions(o => o.Filters.Add<PagesWithoutHandler>());
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHttpContextAccessor();
        // Enums by name only: a number ("kind": 9) would pass as a value no rule knows.
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(
                new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase, allowIntegerValues: false));
            // A null where the type says text must be given ("email": null at login) is a 400 naming
            // the field, not a null that some handler, ours or Identity's, trips over later.
            o.SerializerOptions.RespectNullableAnnotations = true;
        });
        builder.RefuseNulCharacters();
        return builder;
    }

    public static WebApplication UseWebDefaults(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // A browser gets a page for an error status; every other client gets problem details.
        app.UseWhen(WantsHtml, html => html.UseStatusCodePagesWithReExecute("/error/{0}"));
        app.UseSecurityHeaders();
        app.UseStaticFiles();
        app.UseNulCharacterGuard();
        app.UseRouting();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }

    private static bool WantsHtml(HttpContext context) =>
        !context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal)
        && context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    public static WebApplication MapHealth(this WebApplication app)
    {
        // Probes only read; other methods get a 405 like everywhere else.
        var readOnly = new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]);
        app.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = _ => false,
            ResponseWriter = HealthReportWriter.WriteAsync,
        }).WithMetadata(readOnly);
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            ResponseWriter = HealthReportWriter.WriteAsync,
        }).WithMetadata(readOnly);
        return app;
    }
}
