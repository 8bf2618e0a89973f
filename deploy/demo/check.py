#!/usr/bin/env python3
"""Validates the demo data in deploy/demo/ (Python 3 standard library only).

    python3 deploy/demo/check.py [--quiet]

Checks every line of organisations.jsonl, experts.jsonl, teams.jsonl and
challenges.jsonl: it parses as one JSON object with known lowerCamelCase fields
and no output-only ones; ids match [a-z0-9][a-z0-9-]{0,62} and are unique;
references exist (expert organisations, team members and owners, challenge
owners); region codes match GM\\d{4}|PV\\d{2}|WS\\d{4}|NL and municipality and
province codes are in matching-service/data/regions.tsv; enums are valid names;
skill levels are 1..5, skill names and themes unique per record (ignoring case
and accents, as the registry does);
hours are 0..168 (availability 0..16 by demo convention) and no expert is
committed to ACTIVE teams beyond the hours available; e-mail addresses are
unique and end in @example.nl; texts are of modest length. Exits 1 on any
error and prints a summary.
"""

import collections
import json
import os
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
REGIONS_TSV = os.path.join(HERE, "..", "..", "matching-service", "data", "regions.tsv")

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
REGION_RE = re.compile(r"^(GM\d{4}|PV\d{2}|WS\d{4}|NL)$")
EMAIL_RE = re.compile(r"^[a-z0-9.-]+@example\.nl$")
LAYERS = {"GOVERNMENT_LAYER_NATIONAL", "GOVERNMENT_LAYER_PROVINCIAL", "GOVERNMENT_LAYER_MUNICIPAL",
          "GOVERNMENT_LAYER_WATER_AUTHORITY", "GOVERNMENT_LAYER_REGIONAL"}
PERSPECTIVES = {"PERSPECTIVE_POLICY", "PERSPECTIVE_EXECUTION", "PERSPECTIVE_GOVERNANCE",
                "PERSPECTIVE_FRONTLINE"}
FIELDS = {
    "organisations": {"name", "displayName", "layer", "oin", "regionCodes"},
    "experts": {"name", "displayName", "organisation", "jobTitle", "email", "bio", "skills",
                "themes", "regionCodes", "perspectives", "availableHoursPerWeek",
                "consentToMatching"},
    "teams": {"name", "displayName", "description", "themes", "regionCodes", "state", "members",
              "ownerOrganisation", "lessonsLearned"},
    "challenges": {"name", "title", "description", "ownerOrganisation", "themes",
                   "requiredSkills", "regionCodes", "desiredLayers", "desiredPerspectives",
                   "teamSize", "state"},
}
MAX_SHORT, MAX_TERM, MAX_BIO, MAX_LONG = 200, 100, 1000, 2000

errors = []


def err(where, msg):
    errors.append(f"{where}: {msg}")


def load_regions():
    known = {}
    with open(REGIONS_TSV, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            code, name, prov = line.rstrip("\n").split("\t")
            known[code] = (name, prov)
    return known


def load(kind):
    path = os.path.join(HERE, kind + ".jsonl")
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            where = f"{kind}.jsonl:{n}"
            try:
                rec = json.loads(line)
            except ValueError as e:
                err(where, f"not JSON: {e}")
                continue
            if not isinstance(rec, dict):
                err(where, "not a JSON object")
                continue
            for key in rec:
                if key not in FIELDS[kind]:
                    err(where, f"unknown or output-only field {key!r}")
            out.append((where, rec))
    return out


def text(where, rec, field, limit, required=False):
    v = rec.get(field, "")
    if not isinstance(v, str):
        err(where, f"{field} must be a string")
    elif required and not v.strip():
        err(where, f"{field} is required")
    elif len(v) > limit:
        err(where, f"{field} longer than {limit} characters ({len(v)})")
    elif any(ord(c) < 32 for c in v):
        err(where, f"{field} contains control characters")


def name_id(where, rec, field, prefix, ids=None):
    v = rec.get(field, "")
    if not isinstance(v, str) or not v.startswith(prefix + "/"):
        err(where, f"{field} must be {prefix}/{{id}}, got {v!r}")
        return None
    rid = v[len(prefix) + 1:]
    if not ID_RE.match(rid):
        err(where, f"{field}: id {rid!r} does not match [a-z0-9][a-z0-9-]{{0,62}}")
    if ids is not None and rid not in ids:
        err(where, f"{field}: {v} does not exist")
    return rid


def folded(term):
    """Close to the registry's FoldTerm: case and accents ignored."""
    decomposed = unicodedata.normalize("NFKD", str(term))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def unique_terms(where, values, field, limit=MAX_TERM):
    seen = set()
    for v in values:
        if not isinstance(v, str) or not v.strip() or len(v) > limit:
            err(where, f"{field}: bad entry {v!r}")
        elif folded(v) in seen:
            err(where, f"{field}: duplicate {v!r} (case and accents ignored)")
        seen.add(folded(v))


def regions(where, rec, known, required=True):
    codes = rec.get("regionCodes", [])
    if required and not codes:
        err(where, "regionCodes is empty")
    if len(set(codes)) != len(codes):
        err(where, "duplicate region code")
    for c in codes:
        if not REGION_RE.match(c):
            err(where, f"region code {c!r} does not match GM####, PV##, WS#### or NL")
        elif c[:2] in ("GM", "PV") and c not in known:
            err(where, f"region code {c} is not in matching-service/data/regions.tsv")


def enum_list(where, values, allowed, field):
    if len(set(values)) != len(values):
        err(where, f"{field}: duplicate value")
    for v in values:
        if v not in allowed:
            err(where, f"{field}: {v!r} is not a valid value")


def unique_names(kind, records, prefix):
    ids = set()
    for where, rec in records:
        rid = name_id(where, rec, "name", prefix)
        if rid in ids:
            err(where, f"duplicate {prefix}/{rid}")
        ids.add(rid)
    return ids


def check_organisations(records, known):
    for where, o in records:
        text(where, o, "displayName", MAX_SHORT, required=True)
        if o.get("layer") not in LAYERS:
            err(where, f"layer {o.get('layer')!r} is not a valid GovernmentLayer")
        if "oin" in o and not re.match(r"^\d{20}$", o["oin"]):
            err(where, "oin must be 20 digits")
        regions(where, o, known)
        codes = o.get("regionCodes", [])
        if o.get("layer") == "GOVERNMENT_LAYER_NATIONAL" and codes != ["NL"]:
            err(where, "national organisations have region code NL")
        if o.get("layer") == "GOVERNMENT_LAYER_PROVINCIAL":
            if len(codes) != 1 or not codes[0].startswith("PV"):
                err(where, "a province has exactly one PV code")
            elif "Provincie " + known[codes[0]][0] != o["displayName"]:
                err(where, f"{codes[0]} is {known[codes[0]][0]}, not {o['displayName']}")
        if o.get("layer") == "GOVERNMENT_LAYER_MUNICIPAL":
            if len(codes) != 1 or not codes[0].startswith("GM"):
                err(where, "a municipality has exactly one GM code")
            elif codes[0] in known:
                cbs = known[codes[0]][0].replace("'s-Gravenhage", "Den Haag")
                if "Gemeente " + cbs != o["displayName"]:
                    err(where, f"{codes[0]} is {cbs}, not {o['displayName']}")
        if o.get("layer") == "GOVERNMENT_LAYER_WATER_AUTHORITY":
            if not codes or not codes[0].startswith("WS"):
                err(where, "a water board's first region code is its WS code")


def check_experts(records, org_ids, known):
    emails = set()
    for where, e in records:
        text(where, e, "displayName", MAX_SHORT, required=True)
        name_id(where, e, "organisation", "organisations", org_ids)
        text(where, e, "jobTitle", MAX_SHORT)
        text(where, e, "bio", MAX_BIO)
        mail = e.get("email", "")
        if not EMAIL_RE.match(mail):
            err(where, f"email {mail!r} is not a lower-case address @example.nl")
        elif mail in emails:
            err(where, f"duplicate email {mail}")
        emails.add(mail)
        skills = e.get("skills", [])
        if not skills:
            err(where, "no skills")
        for s in skills:
            if set(s) - {"name", "level"}:
                err(where, f"skill has unknown fields {sorted(set(s) - {'name', 'level'})}")
            if not isinstance(s.get("level"), int) or not 1 <= s["level"] <= 5:
                err(where, f"skill {s.get('name')!r}: level must be 1..5")
        unique_terms(where, [s.get("name") for s in skills], "skills")
        unique_terms(where, e.get("themes", []), "themes")
        regions(where, e, known)
        enum_list(where, e.get("perspectives", []), PERSPECTIVES, "perspectives")
        if not e.get("perspectives"):
            err(where, "no perspectives")
        h = e.get("availableHoursPerWeek", 0)
        if not isinstance(h, int) or not 0 <= h <= 16:
            err(where, "availableHoursPerWeek must be 0..16 (demo convention; the API allows 168)")
        if not isinstance(e.get("consentToMatching", False), bool):
            err(where, "consentToMatching must be true or false")


def check_teams(records, org_ids, experts, known):
    committed = collections.Counter()
    for where, t in records:
        text(where, t, "displayName", MAX_SHORT, required=True)
        text(where, t, "description", MAX_LONG, required=True)
        text(where, t, "lessonsLearned", MAX_LONG, required=True)
        name_id(where, t, "ownerOrganisation", "organisations", org_ids)
        unique_terms(where, t.get("themes", []), "themes")
        regions(where, t, known)
        if t.get("state") not in ("FORMING", "ACTIVE", "COMPLETED"):
            err(where, f"state {t.get('state')!r} is not FORMING, ACTIVE or COMPLETED")
        seen = set()
        for m in t.get("members", []):
            eid = name_id(where, m, "expert", "experts", experts)
            if eid in seen:
                err(where, f"experts/{eid} is a member twice")
            seen.add(eid)
            text(where, m, "role", MAX_SHORT)
            h = m.get("hoursPerWeek", 0)
            if not isinstance(h, int) or not 0 <= h <= 168:
                err(where, "hoursPerWeek must be 0..168")
            elif t.get("state") == "ACTIVE":
                committed[eid] += h
        if not t.get("members"):
            err(where, "a team without members")
    for eid, h in sorted(committed.items()):
        if eid in experts and h > experts[eid].get("availableHoursPerWeek", 0):
            err("teams.jsonl", f"experts/{eid} is committed {h} h/week in ACTIVE teams, "
                f"more than the {experts[eid].get('availableHoursPerWeek', 0)} available")


def check_challenges(records, org_ids, known):
    for where, c in records:
        text(where, c, "title", MAX_SHORT, required=True)
        text(where, c, "description", MAX_LONG, required=True)
        name_id(where, c, "ownerOrganisation", "organisations", org_ids)
        unique_terms(where, c.get("themes", []), "themes")
        req = c.get("requiredSkills", [])
        if not req:
            err(where, "no requiredSkills")
        for s in req:
            if not isinstance(s.get("minLevel"), int) or not 1 <= s["minLevel"] <= 5:
                err(where, f"required skill {s.get('name')!r}: minLevel must be 1..5")
            w = s.get("weight", 0)
            if not isinstance(w, (int, float)) or not 0 < w <= 100:
                err(where, f"required skill {s.get('name')!r}: weight must be in (0, 100]")
        unique_terms(where, [s.get("name") for s in req], "requiredSkills")
        regions(where, c, known)
        enum_list(where, c.get("desiredLayers", []), LAYERS, "desiredLayers")
        enum_list(where, c.get("desiredPerspectives", []), PERSPECTIVES, "desiredPerspectives")
        if not isinstance(c.get("teamSize"), int) or not 1 <= c["teamSize"] <= 50:
            err(where, "teamSize must be 1..50")
        if c.get("state") not in ("OPEN", "STAFFED", "CLOSED"):
            err(where, f"state {c.get('state')!r} is not OPEN, STAFFED or CLOSED")


def main():
    known = load_regions()
    data = {k: load(k) for k in FIELDS}
    org_ids = unique_names("organisations", data["organisations"], "organisations")
    expert_ids = unique_names("experts", data["experts"], "experts")
    unique_names("teams", data["teams"], "teams")
    unique_names("challenges", data["challenges"], "challenges")
    experts = {rec["name"][len("experts/"):]: rec for _, rec in data["experts"]
               if isinstance(rec.get("name"), str)}
    assert len(experts) == len(expert_ids) or errors
    check_organisations(data["organisations"], known)
    check_experts(data["experts"], org_ids, known)
    check_teams(data["teams"], org_ids, experts, known)
    check_challenges(data["challenges"], org_ids, known)

    layer_of = {rec["name"][len("organisations/"):]: rec.get("layer")
                for _, rec in data["organisations"]}
    if "--quiet" not in sys.argv:
        for kind, records in data.items():
            print(f"{kind}: {len(records)}")
        print("organisations per layer:",
              dict(collections.Counter(r.get("layer") for _, r in data["organisations"])))
        print("experts per layer:", dict(collections.Counter(
            layer_of.get(r.get("organisation", "")[len("organisations/"):])
            for _, r in data["experts"])))
        print("experts without consent:",
              sum(not r.get("consentToMatching") for _, r in data["experts"]))
        print("teams per state:", dict(collections.Counter(r.get("state") for _, r in data["teams"])))
    for e in errors:
        print("ERROR", e)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
