"""Each page's latency alone, and its weight: requests one at a time, before the load.

What a page costs with no other request competing for the two cores is its floor under load;
the report sets it beside the p95 under load. Each page is also fetched once as it is and once
with ``Accept-Encoding: gzip`` (as browsers send), for the report's page weights.

    python bench/probe.py http://127.0.0.1:PORT plan.json out.json [rounds]
"""

import json
import statistics
import sys
import time
import urllib.request
from pathlib import Path


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main(base: str, plan_path: str, out: str, rounds: int = 15) -> None:
    if not base.startswith("http://127.0.0.1:"):
        sys.exit("the probe only talks to the portal on loopback (http://127.0.0.1:PORT)")
    plan = json.loads(Path(plan_path).read_text())
    opener = urllib.request.build_opener(NoRedirect)
    times = {page["name"]: [] for page in plan["pages"]}
    for _ in range(rounds + 2):  # the first two rounds warm the workers up and are dropped
        for page in plan["pages"]:
            request = urllib.request.Request(  # noqa: S310 - loopback http only, checked above
                base + page["path"],
                headers={"Cookie": f"sessionid={plan['sessions'][page['persona']]}",
                         "Accept-Encoding": "gzip"})  # as browsers and the load ask
            started = time.perf_counter()
            with opener.open(request, timeout=30) as response:
                response.read()
                if response.status != 200:
                    sys.exit(f"{page['path']} answered {response.status}")
            times[page["name"]].append((time.perf_counter() - started) * 1000)
    weights = {}
    for page in plan["pages"]:
        sizes = {}
        for label, encoding in (("html", "identity"), ("gzip", "gzip")):
            request = urllib.request.Request(  # noqa: S310 - loopback http only, checked above
                base + page["path"],
                headers={"Cookie": f"sessionid={plan['sessions'][page['persona']]}",
                         "Accept-Encoding": encoding})
            with opener.open(request, timeout=30) as response:
                sizes[label] = len(response.read())  # urllib does not decompress
        weights[page["name"]] = sizes
    result = {"alone": {name: statistics.median(values[2:]) for name, values in times.items()},
              "weights": weights}
    Path(out).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], *(int(a) for a in sys.argv[4:5]))
