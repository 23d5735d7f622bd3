using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Ceremonies.Features.Errors;

// What a person in a browser sees for an error status; API clients get problem details instead.
[Microsoft.AspNetCore.Mvc.IgnoreAntiforgeryToken]
public sealed class StatusModel : PageModel
{
    public string Title { get; private set; } = "Something went wrong";

    public string Explanation { get; private set; } = "";

    // Re-executed with the failed request's method, whichever it was (a PUT that ended in a 404
    // shows the 404): no handler per method, the status is read before any would run.
    public override void OnPageHandlerExecuting(PageHandlerExecutingContext context) =>
        (Title, Explanation) = Describe(int.TryParse(RouteData.Values["code"]?.ToString(), out var code) ? code : 500);

    private static (string, string) Describe(int code) => code switch
    {
        400 => ("The request could not be used", "If you sent a form, it may have expired or come from another site. Reload the page and try again."),
        403 => ("You may not do this", "You can see this, but changing it is for the venue's managers and administrators."),
        404 => ("Not found", "There is nothing here, or it is not yours to see."),
        405 => ("Not allowed", "This address does not accept that kind of request."),
        429 => ("Too many attempts", "Too many attempts came from your address. Wait a few minutes and try again."),
        _ => ("Something went wrong", "The error was recorded. Please try again in a moment."),
    };
}
