using Ceremonies.Data;
using Ceremonies.Infrastructure.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;

namespace Ceremonies.Features.Accounts;

public static class AccountsSetup
{
    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder)
    {
        builder.Services
            .AddIdentityApiEndpoints<IdentityUser<Guid>>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.SignIn.RequireConfirmedEmail = true;
                o.Password.RequiredLength = 10;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = 10;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
            })
            .AddRoles<IdentityRole<Guid>>()
            .AddEntityFrameworkStores<CeremoniesDb>();
        builder.Services.AddSingleton<IEmailSender<IdentityUser<Guid>>, AccountEmails>();
        builder.Services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "ceremonies.auth";
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.HttpOnly = true;
            o.LoginPath = "/account/sign-in";
            o.LogoutPath = "/account/sign-out";
            o.SlidingExpiration = true;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            // The API answers with status codes; only pages redirect to the sign-in form. A refusal is
            // a 403 everywhere: browsers get the error page for it, other clients problem details.
            o.Events.OnRedirectToLogin = context =>
            {
                if (context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                }
                else
                {
                    context.Response.Redirect(context.RedirectUri);
                }
                return Task.CompletedTask;
            };
            o.Events.OnRedirectToAccessDenied = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
        });
        // The Identity API's default scheme reads bearer tokens and cookies, but challenges as the bearer
        // scheme does: a bare 401, so a page that needs sign-in showed an error. Challenge through the
        // cookie instead: pages redirect to the sign-in form and back, the API still answers 401 (above).
        // (Identity keeps the scheme's name internal; AnAnonymousVisitorIsSentToSignInAndBack holds it.)
        builder.Services.Configure<AuthenticationSchemeOptions>("Identity.BearerAndApplication",
            o => o.ForwardChallenge = IdentityConstants.ApplicationScheme);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Admin, p => p.RequireRole(Roles.Admin))
            .AddPolicy(Policies.Moderator, p => p.RequireRole(Roles.Moderator, Roles.Admin));
        return builder;
    }

    public static RouteGroupBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/account").WithTags("Account");
        // Anyone may call these; sign-in and the endpoints that send mail are rate limited per address.
        group.MapIdentityApi<IdentityUser<Guid>>().Add(endpoint =>
        {
            var pattern = (endpoint as RouteEndpointBuilder)?.RoutePattern.RawText ?? "";
            if (pattern.EndsWith("/login", StringComparison.Ordinal))
            {
                endpoint.Metadata.Add(new Microsoft.AspNetCore.RateLimiting.EnableRateLimitingAttribute(RateLimits.SignIn));
            }
            else if (pattern.EndsWith("/register", StringComparison.Ordinal)
                || pattern.EndsWith("/forgotPassword", StringComparison.Ordinal)
                || pattern.EndsWith("/resendConfirmationEmail", StringComparison.Ordinal))
            {
                endpoint.Metadata.Add(new Microsoft.AspNetCore.RateLimiting.EnableRateLimitingAttribute(RateLimits.AccountMail));
            }
        });
        return group;
    }
}
