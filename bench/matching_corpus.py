#!/usr/bin/env python3
"""Synthetic corpus for the matching benchmark (bench/run_matching_bench.sh).

    python3 bench/matching_corpus.py --experts 100000 --out /tmp/corpus

writes, in protobuf canonical JSON (one message per line, enums by name):
    organisations.jsonl  samenspel.registry.v1.Organisation (about 250)
    experts.jsonl        samenspel.registry.v1.Expert (--experts)
    queries.jsonl        samenspel.registry.v1.Challenge (--queries, default 200)

Deterministic for a given --seed and --experts. The vocabulary (topics with
their specialisms in Dutch and English, abbreviations, bio phrases, job titles,
organisations with CBS region codes, names) is the one of the labelled quality
set, imported from tests/quality/gen, so benchmark and quality set speak the
same language; this file only scales it up: more organisations, 3-8 skills,
1-4 themes and 30-60-word bios per expert, and challenge-sized queries (a
30-60-word description and 2-5 required skills). The 55 challenges of the
quality set are the first queries; the rest are generated per topic.

Python 3 standard library only. About 30 s per million experts.
"""
import argparse
import glob
import importlib
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "quality", "gen"))

import common  # noqa: E402
from common import (TOPICS, NATIONAL, PROVINCIAL, MUNICIPAL, WATER,  # noqa: E402
                    REGIONAL, weighted, person_name)
for _path in sorted(glob.glob(os.path.join(ROOT, "tests", "quality", "gen", "topics_*.py"))):
    importlib.import_module(os.path.basename(_path)[:-3])
import bios  # noqa: E402
import experts as quality_experts  # noqa: E402
from orgs import build_orgs, PV_NAME  # noqa: E402

BIO_MORE_NL = ["Daarnaast werkt {first} aan {p}.", "Eerdere projecten gingen over {p}.",
               "Ervaring met {p} in {place}.", "Betrokken bij {p} in de regio {place}."]
BIO_MORE_EN = ["{first} has also worked on {p}.", "Previous projects covered {p}.",
               "Experience with {p} in {place}.", "Involved in {p} across the {place} region."]

TITLE_NL = ["{Theme} in {place}", "Versnelling {theme} regio {place}",
            "Samen aan de slag met {theme}", "Regionale aanpak {theme} {place}",
            "Interbestuurlijk opgaveteam {theme}"]
TITLE_EN = ["{Theme} in {place}", "Speeding up {theme} in the {place} region",
            "A joint approach to {theme}", "Regional {theme} task force {place}"]
DESC_NL = ["In {place} werken gemeenten, provincie en Rijk samen aan {p}.",
           "De opgave vraagt om {p}.", "We zoeken mensen met ervaring in {p} en {q}.",
           "Het team richt zich daarnaast op {p}.",
           "Uitvoerbaarheid en draagvlak bij inwoners staan centraal.",
           "Er is bestuurlijke druk om voor 2030 resultaat te boeken met {p}."]
DESC_EN = ["In {place}, municipalities, the province and central government work together "
           "on {p}.", "The challenge requires {p}.",
           "We are looking for people with experience in {p} and {q}.",
           "The team will also address {p}.",
           "Feasibility of execution and support among residents are key.",
           "There is political pressure to deliver results on {p} before 2030."]
SKILL_COUNTS = [(3, 3), (4, 4), (5, 4), (6, 3), (7, 2), (8, 1)]
GENERIC_SHARE = 0.08


def cap(s):
    return s[:1].upper() + s[1:]


def two(rng, items):
    """Two different items when there are two."""
    return tuple(rng.sample(items, 2)) if len(items) > 1 else (items[0], items[0])


def slug(s):
    out = "".join(c if c.isalnum() else "-" for c in s.lower().replace("'", ""))
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-").encode("ascii", "ignore").decode()


def organisations():
    """The quality set's organisations plus every other municipality of regions.tsv
    (a few hundred organisations in all)."""
    orgs, _ = build_orgs()
    known = {c for o in orgs for c in o["regionCodes"]}
    extra = []
    with open(os.path.join(ROOT, "matching-service", "data", "regions.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("# Merged"):
                break  # the codes of merged municipalities: no organisations now
            if line.startswith("#") or not line.strip():
                continue
            code, name, pv = line.rstrip("\n").split("\t")
            if code.startswith("GM"):
                extra.append((name, code, pv))
    for name, code, pv in extra:
        if code in known:
            continue
        known.add(code)
        orgs.append({"id": "gemeente-" + slug(name), "displayName": "Gemeente " + name,
                     "layer": MUNICIPAL, "regionCodes": [code], "_kind": "municipality",
                     "_gms": [code], "_pvs": [pv], "_place": name})
    assert len({o["id"] for o in orgs}) == len(orgs)
    return orgs


class Generator:
    def __init__(self, rng, orgs):
        self.rng = rng
        self.orgs = orgs
        self.topic_ids = sorted(TOPICS)
        self.by_layer = {}
        for o in orgs:
            self.by_layer.setdefault(o["layer"], []).append(o)
        # Organisation pools per (topic, layer), as quality_experts._pick_org
        # chooses them, computed once.
        self.pools = {}
        for tid, t in TOPICS.items():
            for layer, _ in t["layers"]:
                if layer == NATIONAL:
                    pool = [o for o in orgs if o["id"] in t["national"]]
                elif layer == REGIONAL:
                    kinds = t["regional"] or ["metro"]
                    pool = [o for o in orgs if o["layer"] == REGIONAL and o["_kind"] in kinds]
                else:
                    pool = []
                self.pools[tid, layer] = pool or self.by_layer[layer]

    def phrases(self, t, lang):
        key = "pnl" if lang == "nl" else "pen"
        return [p for k in t["spec_order"] for p in t["specs"][k][key]]

    def bio(self, lang, first, female, title, org, p1, p2, dom, phrases):
        rng = self.rng
        tpl = rng.choice(bios.NL if lang == "nl" else bios.EN)
        place = quality_experts._place(rng, org)
        parts = [tpl.format(first=first, title=title, Title=cap(title), org=org["displayName"],
                            p1=p1, p2=p2, dom=dom, years=rng.randint(3, 25),
                            year=rng.randint(2005, 2023), pron="zij" if female else "hij",
                            place=place)]
        words = len(parts[0].split())
        target = rng.randint(30, 60)
        more = BIO_MORE_NL if lang == "nl" else BIO_MORE_EN
        extra = list(bios.EXTRA_NL if lang == "nl" else bios.EXTRA_EN)
        rng.shuffle(extra)
        while words < target:
            if extra and rng.random() < 0.4:
                s = extra.pop()
            else:
                s = rng.choice(more).format(first=first, p=rng.choice(phrases), place=place)
            if words >= 30 and words + len(s.split()) > 60:
                break
            parts.append(s)
            words += len(s.split())
        return " ".join(parts)

    def expert(self, i):
        rng = self.rng
        first, full, female = person_name(rng)
        lang = "nl" if rng.random() < 0.6 else "en"
        skills = quality_experts.Skills()
        n_skills = weighted(rng, SKILL_COUNTS)
        commons = bios.COMMON_NL if lang == "nl" else bios.COMMON_EN
        if rng.random() < GENERIC_SHARE:
            g = rng.choice(bios.GENERIC)
            tnl, ten, snl, sen, pnl, pen, themes_pool = g
            layer = weighted(rng, [(MUNICIPAL, 5), (PROVINCIAL, 2), (NATIONAL, 2), (WATER, 1),
                                   (REGIONAL, 2)])
            org = rng.choice(self.by_layer[layer])
            title = rng.choice(bios.SENIOR_NL if lang == "nl" else bios.SENIOR_EN) + \
                rng.choice(tnl if lang == "nl" else ten)
            pool = snl + sen + commons
            for _ in range(30):
                if len(skills.items) >= n_skills:
                    break
                skills.add(rng.choice(pool), rng.randint(1, 5))
            phrases = pnl if lang == "nl" else pen
            themes = rng.sample(themes_pool, rng.randint(1, len(themes_pool)))
            dom = "bedrijfsvoering" if lang == "nl" else "public administration"
            persp = "bug"
        else:
            t = TOPICS[rng.choice(self.topic_ids)]
            layer = weighted(rng, t["layers"])
            org = rng.choice(self.pools[t["id"], layer])
            spec = t["specs"][rng.choice(t["spec_order"])]
            level = weighted(rng, quality_experts.LEVEL_DIST)
            skills.add(quality_experts._variant(rng, spec, lang), level)
            for _ in range(8):
                if len(skills.items) >= n_skills:
                    break
                r = rng.random()
                if r < 0.55:
                    other = t["specs"][rng.choice(t["spec_order"])]
                    skills.add(quality_experts._variant(rng, other, lang), rng.randint(1, 5))
                elif r < 0.7 and t["related"]:
                    xt = TOPICS[rng.choice(t["related"])]
                    xs = xt["specs"][rng.choice(xt["spec_order"])]
                    skills.add(quality_experts._variant(rng, xs, lang), rng.randint(1, 4))
                else:
                    skills.add(rng.choice(commons), rng.randint(2, 4))
            while len(skills.items) < 3:
                skills.add(rng.choice(commons), rng.randint(2, 4))
            rng.shuffle(skills.items)
            pool = list({th.lower(): th for th in t["themes_nl"] + t["themes_en"]}.values())
            themes = rng.sample(pool, min(len(pool), weighted(rng, [(1, 3), (2, 4), (3, 2),
                                                                    (4, 1)])))
            titles = t["titles_nl"] if lang == "nl" or rng.random() < 0.25 else t["titles_en"]
            title = rng.choice(bios.SENIOR_NL if lang == "nl" else bios.SENIOR_EN) + \
                rng.choice(titles)
            phrases = self.phrases(t, lang)
            dom = t["domain"] if lang == "nl" else bios.DOMAIN_EN[t["domain"]]
            persp = t["persp"]
        p1, p2 = two(rng, phrases)
        bio = self.bio(lang, first, female, title, org, p1, p2, dom, phrases)
        email_local = slug(full).replace("-", ".")
        return {
            "name": "experts/x%07d" % i, "displayName": full,
            "organisation": "organisations/" + org["id"], "jobTitle": title,
            "email": "%s.%d@%s.example.nl" % (email_local, i, org["id"]), "bio": bio,
            "skills": skills.items, "themes": themes,
            "regionCodes": quality_experts._regions(rng, org),
            "perspectives": quality_experts._perspectives(rng, persp, layer),
            "availableHoursPerWeek": rng.choice(quality_experts.HOURS),
            "consentToMatching": rng.random() < 0.93,
        }

    def challenge(self, i):
        rng = self.rng
        t = TOPICS[rng.choice(self.topic_ids)]
        lang = "nl" if rng.random() < 0.55 else "en"
        org = rng.choice(self.pools[t["id"], weighted(rng, t["layers"])])
        place = quality_experts._place(rng, org)
        themes = t["themes_nl"] if lang == "nl" else t["themes_en"]
        theme = rng.choice(themes)
        title = rng.choice(TITLE_NL if lang == "nl" else TITLE_EN).format(
            theme=theme, Theme=cap(theme), place=place)
        phrases = self.phrases(t, lang)
        sentences = list(DESC_NL if lang == "nl" else DESC_EN)
        rng.shuffle(sentences)
        desc, words = [], 0
        target = rng.randint(30, 60)
        for s in sentences:
            p, q = two(rng, phrases)
            s = s.format(p=p, q=q, place=place)
            if words >= 30 and words + len(s.split()) > 60:
                break
            desc.append(s)
            words += len(s.split())
            if words >= target:
                break
        required, seen = [], set()
        for key in rng.sample(t["spec_order"], len(t["spec_order"])):
            if len(required) >= rng.randint(2, 5):
                break
            name = quality_experts._variant(rng, t["specs"][key], lang)
            if name.lower() not in seen:
                seen.add(name.lower())
                required.append({"name": name, "minLevel": rng.randint(2, 4),
                                 "weight": rng.choice([0.5, 1, 1, 1.5, 2])})
        if len(required) < 2 or rng.random() < 0.3:
            common_skill = rng.choice(bios.COMMON_NL if lang == "nl" else bios.COMMON_EN)
            if common_skill.lower() not in seen:
                required.append({"name": common_skill, "minLevel": 2, "weight": 0.5})
        return {
            "name": "challenges/q%03d" % i, "title": title, "description": " ".join(desc),
            "ownerOrganisation": "organisations/" + org["id"], "themes": [theme],
            "requiredSkills": required, "regionCodes": org["regionCodes"],
            "desiredLayers": [MUNICIPAL, PROVINCIAL, NATIONAL],
            "desiredPerspectives": ["PERSPECTIVE_POLICY", "PERSPECTIVE_EXECUTION"],
            "teamSize": rng.randint(4, 8), "state": "OPEN",
        }


def quality_challenges():
    out = []
    for c in common.CHALLENGES:
        out.append({
            "name": "challenges/" + c["id"], "title": c["title"], "description": c["description"],
            "ownerOrganisation": "organisations/" + c["owner"], "themes": c["themes"],
            "requiredSkills": [{"name": n, "minLevel": ml, "weight": w}
                               for n, _spec, ml, w in c["req"]],
            "regionCodes": c["regions"], "desiredLayers": c["layers"],
            "desiredPerspectives": c["persp"], "teamSize": c["team"], "state": "OPEN"})
    return out


def write_jsonl(path, items):
    with open(path, "w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")))
            f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--experts", type=int, required=True)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=20250101)
    ap.add_argument("--first_id", type=int, default=0,
                    help="number of the first expert (experts/x<number>); another --first_id "
                         "and --seed give more experts for the same registry")
    ap.add_argument("--out", required=True, help="output folder (created)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    orgs = organisations()
    write_jsonl(os.path.join(args.out, "organisations.jsonl"),
                ({"name": "organisations/" + o["id"], "displayName": o["displayName"],
                  "layer": o["layer"], "regionCodes": o["regionCodes"]} for o in orgs))
    # Separate streams: the queries do not change with --experts.
    queries = Generator(random.Random(args.seed + 1), orgs)
    quality = quality_challenges()
    write_jsonl(os.path.join(args.out, "queries.jsonl"),
                quality[:args.queries] +
                [queries.challenge(i) for i in range(len(quality), args.queries)])
    gen = Generator(random.Random(args.seed), orgs)
    write_jsonl(os.path.join(args.out, "experts.jsonl"),
                (gen.expert(i) for i in range(args.first_id, args.first_id + args.experts)))
    print("matching_corpus: %d organisations, %d experts, %d queries in %s"
          % (len(orgs), args.experts, args.queries, args.out))


if __name__ == "__main__":
    main()
