"""One line on what the admin sees of the outbox: "failing: …" when messages wait for a retry after
a failure and the /admin page shows the latest error, "quiet: …" otherwise.

usage: admin_view.py OUTBOX_JSON ADMIN_PAGE_HTML   (GET /api/admin/outbox, GET /admin)
"""
import html
import json
import sys


def main(report_path, page_path):
    view = json.load(open(report_path, encoding="utf-8"))
    page = html.unescape(open(page_path, encoding="utf-8").read())
    failures = view.get("recentFailures") or []
    error = (failures[0].get("lastError") or "") if failures else ""
    # The page may shorten a long error; its first words are enough to recognise it.
    shown = bool(error) and error[:40] in page
    state = "failing" if view.get("waitingForRetry", 0) > 0 and shown else "quiet"
    print(f"{state}: pending {view.get('pending')}, waiting for retry {view.get('waitingForRetry')}, "
          f"leased {view.get('leased')}, sent {view.get('sent')}, dead {view.get('dead')}; "
          f"latest error {error[:70]!r}, on the /admin page: {'yes' if shown else 'no'}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
