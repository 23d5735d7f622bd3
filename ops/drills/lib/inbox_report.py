"""Counts what MailDev received for one drill: delivered, lost and duplicated messages.

usage: inbox_report.py INBOX_JSON TAG EXPECTED SINCE [IN_FLIGHT_FILE]

INBOX_JSON is MailDev's GET /api/email; the drill's messages go to reader-N.TAG@drill.test for N in
1..EXPECTED. SINCE (Unix seconds) is the moment the drill measures delivery from (the kill, the SMTP
server's return). With IN_FLIGHT_FILE (one recipient a line), a duplicate must be one of those.
Passes when none is lost, every duplicate carries one Message-ID (and was in flight), and the last
mail arrived within a minute of SINCE. Exit status 0 on a pass.
"""
import json
import sys
from collections import defaultdict
from datetime import datetime


def main(inbox_path, tag, expected, since, in_flight_path=None):
    copies = defaultdict(list)  # recipient -> [(Message-ID, arrival)]
    for mail in json.load(open(inbox_path, encoding="utf-8")):
        arrived = datetime.fromisoformat(mail["time"].replace("Z", "+00:00")).timestamp()
        for to in mail.get("to", []):
            if f".{tag}@" in to["address"]:
                copies[to["address"]].append((mail["headers"].get("message-id"), arrived))
    wanted = {f"reader-{i}.{tag}@drill.test" for i in range(1, expected + 1)}
    lost = sorted(wanted - copies.keys())
    duplicated = {address: c for address, c in copies.items() if len(c) > 1}
    differing = [address for address, c in duplicated.items() if len({mid for mid, _ in c}) != 1]
    in_flight = None
    if in_flight_path:
        in_flight = {line.strip() for line in open(in_flight_path, encoding="utf-8") if line.strip()}
    outside = [address for address in duplicated if in_flight is not None and address not in in_flight]
    last = max((t for c in copies.values() for _, t in c), default=since)

    print(f"  expected:   {expected}")
    print(f"  delivered:  {len(copies)} distinct, {sum(len(c) for c in copies.values())} mails in all")
    print(f"  lost:       {len(lost)}{'  e.g. ' + ', '.join(lost[:3]) if lost else ''}")
    print(f"  duplicated: {len(duplicated)}, with differing Message-IDs: {len(differing)}"
          + (f", not in flight: {len(outside)} (in flight: {len(in_flight)})" if in_flight is not None else ""))
    print(f"  the last mail arrived {last - since:.1f} s after the measured moment")
    passed = not lost and not differing and not outside and last - since <= 60
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), *sys.argv[5:]))
