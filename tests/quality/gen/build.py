#!/usr/bin/env python3
"""Build the labelled ranking-quality set into tests/quality/.

    python3 tests/quality/gen/build.py            # (re)write the files
    python3 tests/quality/gen/build.py --check    # regenerate in memory, compare

Deterministic (fixed seed), Python 3 standard library only. Grades come from the
design of the data (topic / specialism / level of each generated expert), never
from running a ranker. See tests/quality/README.md.
"""
import json
import os
import random
import re
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import common  # noqa: E402
from common import TOPICS, CHALLENGES  # noqa: E402
import topics_housing, topics_energy, topics_climate, topics_water  # noqa: E402,F401
import topics_rural, topics_social, topics_income, topics_migration  # noqa: E402,F401
import topics_mobility, topics_digital, topics_safety, topics_spatial  # noqa: E402,F401
import topics_distractors  # noqa: E402,F401
from orgs import build_orgs  # noqa: E402
import experts as gen_experts  # noqa: E402

SEED = 20240611
N_GENERIC = 80
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
REGION_RE = re.compile(r"^(GM\d{4}|PV\d{2}|WS\d{4}|NL)$")


def num(x):
    return int(x) if float(x).is_integer() else x


def build():
    rng = random.Random(SEED)
    orgs, org_by_id = build_orgs()

    # ---- experts: generate per topic, then shuffle so ids do not reveal topics
    sizes = gen_experts.topic_sizes(rng)
    used = {}
    pool = []
    for tid in sorted(TOPICS):
        for _ in range(sizes[tid]):
            pool.append(gen_experts.make_topic_expert(rng, TOPICS[tid], orgs, used))
    for _ in range(N_GENERIC):
        pool.append(gen_experts.make_generic_expert(rng, orgs, used))
    rng.shuffle(pool)
    experts, design = [], {}
    for i, (e, d) in enumerate(pool, 1):
        eid = "e%04d" % i
        e = dict(e)
        org_id = e.pop("_org")
        out = {"name": "experts/" + eid}
        out.update(e)
        experts.append(out)
        design[out["name"]] = dict(d, org=org_id)

    # ---- challenges
    challenges = []
    for c in CHALLENGES:
        req = []
        for name, _spec, ml, w in c["req"]:
            req.append({"name": name, "minLevel": ml, "weight": num(w)})
        challenges.append({
            "name": "challenges/" + c["id"], "title": c["title"],
            "description": c["description"],
            "ownerOrganisation": "organisations/" + c["owner"], "themes": c["themes"],
            "requiredSkills": req, "regionCodes": c["regions"],
            "desiredLayers": c["layers"], "desiredPerspectives": c["persp"],
            "teamSize": c["team"], "state": "OPEN"})

    # ---- judgements
    judgements = []
    for c in CHALLENGES:
        cname = "challenges/" + c["id"]
        req = {}
        for _name, spec, ml, _w in c["req"]:
            if spec is not None and spec not in req:
                req[spec] = ml
        related = set(c["related"])
        for e in experts:
            d = design[e["name"]]
            if d["kind"] != "topic":
                continue
            if not e["consentToMatching"] and d["org"] != c["owner"]:
                continue  # never matched across organisations
            g = grade(c, d, req, related)
            if g:
                judgements.append((cname, e["name"], g))

    orgs_out = [{"name": "organisations/" + o["id"], "displayName": o["displayName"],
                 "layer": o["layer"], "regionCodes": o["regionCodes"]} for o in orgs]
    return orgs_out, experts, challenges, judgements, design


def grade(c, d, req, related):
    """3 = core topic and a required specialism at the required level;
    2 = core topic otherwise (adjacent specialism or below the level), or a
        secondary (cross-topic) skill in a required specialism at the level;
    1 = related: that secondary skill below the level, or the expert's primary
        topic/specialism (level >= 3) or secondary skill is listed as related
        by the challenge."""
    t = c["topic"]
    if d["topic"] == t:
        for spec, ml in req.items():
            if d["levels"].get(spec, 0) >= ml:
                return 3
        return 2
    x = d["cross"]
    if x and x[0] == t and x[1] in req:
        return 2 if x[2] >= req[x[1]] else 1
    if d["levels"][d["spec"]] >= 3 and (
            (d["topic"], d["spec"]) in related or (d["topic"], None) in related):
        return 1
    if x and (x[0], x[1]) in related:
        return 1
    return 0


def validate(orgs, experts, challenges, judgements):
    errs = []
    org_names = {o["name"] for o in orgs}
    names = set()
    for kind, items in (("organisations", orgs), ("experts", experts),
                        ("challenges", challenges)):
        for it in items:
            n = it["name"]
            pre, _, rid = n.partition("/")
            if pre != kind or not ID_RE.match(rid):
                errs.append("bad name " + n)
            if n in names:
                errs.append("duplicate " + n)
            names.add(n)
            for rc in it.get("regionCodes", []):
                if not REGION_RE.match(rc):
                    errs.append("bad region %s in %s" % (rc, n))
            for field in ("regionCodes", "perspectives", "desiredLayers",
                          "desiredPerspectives"):
                vals = it.get(field, [])
                if len(set(vals)) != len(vals):
                    errs.append("duplicate %s in %s" % (field, n))
            themes = [th.lower() for th in it.get("themes", [])]
            if len(set(themes)) != len(themes) or any(len(th) > 100 for th in themes):
                errs.append("bad themes in " + n)
            for field in ("displayName", "jobTitle", "title"):
                if len(it.get(field, "")) > 200:
                    errs.append("%s too long in %s" % (field, n))
    for e in experts:
        if e["organisation"] not in org_names:
            errs.append("unknown org " + e["organisation"])
        if len(e["bio"]) > 1000:
            errs.append("bio too long " + e["name"])
        seen = set()
        for s in e["skills"]:
            if not 1 <= s["level"] <= 5:
                errs.append("level %s" % e["name"])
            if s["name"].lower() in seen:
                errs.append("dup skill %s %s" % (e["name"], s["name"]))
            seen.add(s["name"].lower())
            if len(s["name"]) > 100:
                errs.append("long skill " + s["name"])
        if not e["skills"] or not e["perspectives"]:
            errs.append("empty " + e["name"])
    for c in challenges:
        if c["ownerOrganisation"] not in org_names:
            errs.append("unknown owner " + c["ownerOrganisation"])
        seen = set()
        for s in c["requiredSkills"]:
            if not 1 <= s["minLevel"] <= 5 or s["weight"] <= 0:
                errs.append("bad requirement in " + c["name"])
            if s["name"].lower() in seen:
                errs.append("dup requirement %s %s" % (c["name"], s["name"]))
            seen.add(s["name"].lower())
    for c in CHALLENGES:
        for tid, spec in c["related"]:
            if tid not in TOPICS or (spec is not None and spec not in TOPICS[tid]["specs"]):
                errs.append("bad related %s in %s" % ((tid, spec), c["id"]))
        for _n, spec, _ml, _w in c["req"]:
            if spec is not None and spec not in TOPICS[c["topic"]]["specs"]:
                errs.append("bad req spec %s in %s" % (spec, c["id"]))
    for t in TOPICS.values():
        for r in t["related"]:
            if r not in TOPICS:
                errs.append("bad topic related %s in %s" % (r, t["id"]))
    enames = {e["name"] for e in experts}
    cnames = {c["name"] for c in challenges}
    for cn, en, g in judgements:
        if cn not in cnames or en not in enames or g not in (1, 2, 3):
            errs.append("bad judgement %s %s %s" % (cn, en, g))
    return errs


def render(orgs, experts, challenges, judgements, design):
    def jl(items):
        return "".join(json.dumps(i, ensure_ascii=False, separators=(",", ":")) + "\n"
                       for i in items)
    files = {
        "organisations.jsonl": jl(orgs),
        "experts.jsonl": jl(experts),
        "challenges.jsonl": jl(challenges),
        "judgements.tsv": "challenge\texpert\tgrade\n" +
                          "".join("%s\t%s\t%d\n" % j for j in judgements),
    }
    rows = ["expert\tkind\ttopic\tspecialism\tlevels\tcross\tlang\n"]
    for e in experts:
        d = design[e["name"]]
        lv = ",".join("%s:%d" % kv for kv in sorted(d["levels"].items()))
        cross = "%s/%s:%d" % d["cross"] if d["cross"] else ""
        rows.append("%s\t%s\t%s\t%s\t%s\t%s\t%s\n" % (
            e["name"], d["kind"], d["topic"] or "", d["spec"] or "", lv, cross, d["lang"]))
    files["expert_design.tsv"] = "".join(rows)
    return files


def stats(orgs, experts, challenges, judgements, design):
    print("organisations %d, experts %d, challenges %d, judgements %d" %
          (len(orgs), len(experts), len(challenges), len(judgements)))
    print("grades:", dict(sorted(Counter(g for _, _, g in judgements).items())))
    print("expert bio language:", dict(Counter(d["lang"] for d in design.values())))
    print("expert kinds:", dict(Counter(d["kind"] for d in design.values())))
    print("consent false:", sum(1 for e in experts if not e["consentToMatching"]))
    print("topics:", len(TOPICS), " challenge lang:", dict(Counter(c["lang"] for c in CHALLENGES)))
    layer_of = {o["name"]: o["layer"] for o in orgs}
    emap = {e["name"]: e for e in experts}
    per = {}
    for cn, en, g in judgements:
        per.setdefault(cn, []).append((g, layer_of[emap[en]["organisation"]]))
    for c in challenges:
        js = per.get(c["name"], [])
        gc = Counter(g for g, _ in js)
        layers = len(set(l for g, l in js if g >= 2))
        print("  %-48s rel=%3d  g3=%2d g2=%2d g1=%2d  layers(g>=2)=%d" % (
            c["name"], len(js), gc[3], gc[2], gc[1], layers))


def main():
    data = build()
    errs = validate(*data[:4])
    if errs:
        print("\n".join(errs[:50]))
        sys.exit("validation failed: %d problems" % len(errs))
    files = render(*data)
    if "--check" in sys.argv:
        bad = [f for f, text in files.items()
               if not os.path.exists(os.path.join(OUT, f)) or
               open(os.path.join(OUT, f), encoding="utf-8").read() != text]
        if bad:
            sys.exit("out of date: " + ", ".join(bad))
        print("up to date")
        return
    for f, text in files.items():
        with open(os.path.join(OUT, f), "w", encoding="utf-8") as fh:
            fh.write(text)
    stats(*data)


if __name__ == "__main__":
    main()
