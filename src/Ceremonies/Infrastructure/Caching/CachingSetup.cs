using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Ceremonies.Infrastructure.Caching;

public static class CachingSetup
{
    public static IHostApplicationBuilder AddReferenceCache(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ReferenceCache>();
        builder.Services.AddSingleton<IInterceptor, ReferenceDataInterceptor>();
        builder.Services.AddHostedService<ReferenceCacheListener>();
        return builder;
    }
}
