using Ceremonies.Infrastructure.Security;
using Hangfire;

namespace Ceremonies.Infrastructure.Jobs;

// Hangfire's dashboard at /jobs, for admins only: what ran, what failed, what is due, and a retry
// button. Signed in with the site's cookie like every page; anyone else gets the sign-in page or 403.
public static class JobsDashboard
{
    public const string Path = "/jobs";

    public static IEndpointConventionBuilder MapJobsDashboard(this IEndpointRouteBuilder app) =>
        app.MapHangfireDashboardWithAuthorizationPolicy(Policies.Admin, Path, new DashboardOptions
        {
            // The policy decides; Hangfire's own default filter would let local requests only.
            Authorization = [],
            AsyncAuthorization = [],
            DashboardTitle = "Ceremonies · jobs",
            AppPath = "/admin",
            DisplayStorageConnectionString = false,
        });
}
