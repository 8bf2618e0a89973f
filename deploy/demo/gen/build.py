"""Builds the demo data set in deploy/demo/ (deterministic, stdlib only).

    python3 deploy/demo/gen/build.py          # rewrites the four .jsonl files
    python3 deploy/demo/gen/build.py --check  # fails if they are out of date
"""

import collections
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import LAYERS, PERSP, dump_jsonl, squash  # noqa: E402
from orgs import build_orgs  # noqa: E402
from experts import generate, to_json  # noqa: E402
from teams import TEAMS  # noqa: E402
from teams_active import TEAMS_ACTIVE  # noqa: E402
from challenges import CHALLENGES  # noqa: E402

SEED = 20250612
OUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def reservations():
    """One expert slot per generated team member (see teams.py)."""
    out = []
    for tid, _, _, state, _, _, _, _, members in TEAMS + TEAMS_ACTIVE:
        for i, (selector, _, hours) in enumerate(members):
            if selector.startswith("="):
                continue
            profile, rest = selector.split("@")
            org, _, keyword = rest.partition("~")
            out.append({"key": (tid, i), "profile": profile, "org": org,
                        "keyword": keyword or None,
                        "hours": hours if state in ("ACTIVE", "FORMING") else 0})
    return out


def build_teams(experts):
    by_slot = {e["slot"]: e["id"] for e in experts if e.get("slot")}
    known = {e["id"] for e in experts}
    out = []
    for (tid, disp, owner, state, themes, regions, desc, lessons,
         members) in TEAMS + TEAMS_ACTIVE:
        ms = []
        for i, (selector, role, hours) in enumerate(members):
            eid = selector[1:] if selector.startswith("=") else by_slot[(tid, i)]
            assert eid in known, (tid, eid)
            ms.append({"expert": "experts/" + eid, "role": role, "hoursPerWeek": hours})
        out.append({"name": "teams/" + tid, "displayName": disp, "description": squash(desc),
                    "themes": themes, "regionCodes": regions, "state": state, "members": ms,
                    "ownerOrganisation": "organisations/" + owner,
                    "lessonsLearned": squash(lessons)})
    return out


def build_challenges():
    out = []
    for (cid, title, owner, themes, desc, req, regions, lay, per, size) in CHALLENGES:
        out.append({"name": "challenges/" + cid, "title": title, "description": squash(desc),
                    "ownerOrganisation": "organisations/" + owner, "themes": themes,
                    "requiredSkills": [{"name": n, "minLevel": m, "weight": w}
                                       for n, m, w in req],
                    "regionCodes": regions, "desiredLayers": [LAYERS[c] for c in lay],
                    "desiredPerspectives": [PERSP[c] for c in per], "teamSize": size,
                    "state": "OPEN"})
    return out


def build():
    rng = random.Random(SEED)
    orgs, info = build_orgs()
    experts = generate(rng, info, reservations())
    teams = build_teams(experts)
    return {"organisations": orgs, "experts": [to_json(e) for e in experts],
            "teams": teams, "challenges": build_challenges()}, experts, info


def stats(data, experts, info):
    print("organisations:", len(data["organisations"]),
          dict(collections.Counter(o["layer"] for o in data["organisations"])))
    print("experts:", len(experts),
          dict(collections.Counter(info[e["org"]]["layer"] for e in experts)))
    print("  bios nl/en:", dict(collections.Counter(e["lang"] for e in experts)),
          " without consent:", sum(not e["consent"] for e in experts))
    print("teams:", len(data["teams"]), dict(collections.Counter(t["state"] for t in data["teams"])))
    print("challenges:", len(data["challenges"]))


def main():
    data, experts, info = build()
    check = "--check" in sys.argv
    target = tempfile.mkdtemp() if check else OUT
    stale = []
    for kind, records in data.items():
        path = os.path.join(target, kind + ".jsonl")
        dump_jsonl(path, records)
        if check:
            with open(path, "rb") as a, open(os.path.join(OUT, kind + ".jsonl"), "rb") as b:
                if a.read() != b.read():
                    stale.append(kind)
    stats(data, experts, info)
    if stale:
        raise SystemExit("out of date: " + ", ".join(stale) + " (run gen/build.py)")


if __name__ == "__main__":
    main()
