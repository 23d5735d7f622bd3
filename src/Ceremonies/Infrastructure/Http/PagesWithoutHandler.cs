using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Ceremonies.Infrastructure.Http;

// Razor Pages renders a page even when no handler answers the request's method: a PUT to a page
// that only reads would render it with nothing loaded. Pages that keep antiforgery checks refuse
// such requests with a 400 first; a page that opts out of them (the one-click unsubscribe) would
// reach the empty render. A method no handler answers is a 405 on every page instead.
internal sealed class PagesWithoutHandler : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        // The error page re-executed for a PUT that ended in a 404 keeps the PUT: it must still
        // render that 404 (its model reads the status, not the method).
        if (context.HandlerMethod is null && context.HttpContext.Features.Get<IStatusCodeReExecuteFeature>() is null
            && !HttpMethods.IsGet(context.HttpContext.Request.Method) && !HttpMethods.IsHead(context.HttpContext.Request.Method))
        {
            context.Result = new StatusCodeResult(StatusCodes.Status405MethodNotAllowed);
            return Task.CompletedTask;
        }
        return next();
    }
}
