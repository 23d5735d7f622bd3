using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Ceremonies.Features.Home;

// The front door: what the service is and where to go. Operators' facts are on /admin.
public sealed class IndexModel : PageModel
{
    public void OnGet()
    {
    }
}
