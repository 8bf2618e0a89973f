"""Expert generation: curated experts first, then experts drawn from the profiles."""

from common import PERSP, slug
from curated import curated_experts
from names import person, email_for
import profiles
import profiles_wonen_energie  # noqa: F401  (registers profiles)
import profiles_water_ruimte  # noqa: F401
import profiles_sociaal  # noqa: F401
import profiles_overheid  # noqa: F401

KINDS = {"gm", "pv", "ws", "vr", "ggd", "od", "res", "jzr", "metro", "amr", "riec"}

T_NL = [
    "{Title} bij {org}. Werkt aan {p1} en {p2}.",
    "Werkt bij {org} aan {p1}. Was eerder betrokken bij {p2}.",
    "Als {title} bij {org} verantwoordelijk voor {p1}.",
    "Ervaren {title} met een hart voor {p1}. Heeft daarnaast veel gedaan aan {p2}.",
    "Houdt zich bij {org} bezig met {p1} en {p2}.",
]
T_EN = [
    "{Title} at {org}, focusing on {p1} and {p2}.",
    "Works at {org} on {p1}. Previously involved in {p2}.",
    "As {title} at {org}, responsible for {p1}.",
    "Experienced {title} with a passion for {p1}; has also worked on {p2}.",
    "At {org}, works on {p1} and {p2}.",
]
HOURS = [0, 2, 4, 4, 4, 6, 6, 8, 8, 8, 12, 16]
LEVELS = [(1, 1), (2, 3), (3, 6), (4, 6), (5, 3)]


def weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for item, w in pairs:
        x -= w
        if x < 0:
            return item
    return pairs[-1][0]


def allocate(rng, prof):
    """The profile's org options, `count` of them, in proportion to their weights
    (largest remainder), shuffled: a faithful spread instead of a lucky draw."""
    n, pairs = prof["count"], prof["orgs"]
    # Every organisation named explicitly gets one expert first (if room).
    out = [name for name, _ in pairs if name not in KINDS][:n]
    n -= len(out)
    total = sum(w for _, w in pairs)
    quota = [(name, n * w / total) for name, w in pairs]
    out += [name for name, q in quota for _ in range(int(q))]
    rest = sorted(quota, key=lambda p: -(p[1] - int(p[1])))
    out += [name for name, _ in rest[:prof["count"] - len(out)]]
    rng.shuffle(out)
    return out


def pick_org(rng, name, by_kind, info):
    if name in KINDS:
        return rng.choice(by_kind[name])
    assert name in info, name
    return name


def regions_for(rng, org):
    kind, gms, pvs = org["kind"], org["gms"], org["pvs"]
    if kind == "national":
        return ["NL"]
    if kind == "pv":
        extra = [rng.choice(gms)] if gms and rng.random() < 0.2 else []
        return pvs + extra
    if kind == "gm":
        return gms + (pvs if rng.random() < 0.3 else [])
    if kind == "ws":
        ws = [c for c in org["codes"] if c.startswith("WS")]
        return ws + pvs[:1]
    return gms[:4] + pvs  # regional bodies: the area they cover


def cap(text):
    return text[:1].upper() + text[1:]


def make_bio(rng, prof, lang, title, org_name, persp_letters):
    phrases = prof["bio_" + lang]
    p1, p2 = rng.sample(phrases, 2) if len(phrases) > 1 else (phrases[0], phrases[0])
    templates = T_NL if lang == "nl" else T_EN
    tpl = rng.choice(templates)
    if title is None and "itle}" in tpl:
        # The job title is in the other language: a template without it.
        plain = [t for t in templates if "itle}" not in t]
        tpl = plain[len(p1) % len(plain)]
    bio = tpl.format(Title=cap(title or ""), title=title, org=org_name, p1=p1, p2=p2)
    if "f" in persp_letters and rng.random() < 0.6:
        pool = profiles.EXTRAS_FRONTLINE_NL if lang == "nl" else profiles.EXTRAS_FRONTLINE_EN
        bio += " " + rng.choice(pool)
    elif rng.random() < 0.5:
        bio += " " + rng.choice(profiles.EXTRAS_NL if lang == "nl" else profiles.EXTRAS_EN)
    return bio


def make_skills(rng, groups):
    n = min(len(groups), rng.choice([2, 3, 3, 4]))
    groups = groups[:n]
    skills, seen = [], set()
    for i, g in enumerate(groups):
        name = rng.choice(g)
        level = weighted(rng, LEVELS)
        if i == 0:
            level = max(level, 3)
        if name.lower() not in seen:
            seen.add(name.lower())
            skills.append((name, level))
    if rng.random() < 0.4:
        name = rng.choice(rng.choice(profiles.GENERIC_SKILLS))
        if name.lower() not in seen:
            skills.append((name, rng.choice([2, 3, 3, 4])))
    return skills


def make_persp(rng, letters):
    first = weighted(rng, list(zip(letters, [3, 2, 1, 1][:len(letters)])))
    out = [first]
    if rng.random() < 0.35 and len(letters) > 1:
        second = rng.choice([c for c in letters if c != first])
        out.append(second)
    return "".join(out)


def tokens(text):
    return set(text.lower().replace("-", " ").split())


def order_groups(rng, prof, keyword):
    """Skill groups, shuffled; the one containing `keyword` (if any) first."""
    groups = rng.sample(prof["skills"], len(prof["skills"]))
    if keyword:
        hit = [g for g in groups if any(keyword.lower() in v.lower() for v in g)]
        assert hit, (prof["key"], keyword)
        groups.remove(hit[0])
        groups.insert(0, hit[0])
    return groups


def pick_title(rng, prof, lang, group):
    """A title that shares a word with the primary skill group, if one does."""
    words = set().union(*(tokens(v) for v in group)) - {"en", "and", "de", "van"}
    titles = prof["titles_" + lang]
    fitting = [t for t in titles if tokens(t) & words]
    return rng.choice(fitting or titles)


def generate(rng, info, reserved=()):
    """Returns the internal expert records (curated first), in output order.

    `reserved`: dicts {key, profile, org, keyword, hours} for team slots; each
    gets its own expert at that organisation, primary skill from the group
    containing `keyword`, at least `hours` available, consent given. The
    expert's "slot" is the reservation key."""
    by_kind = {}
    for oid, o in info.items():
        by_kind.setdefault(o["kind"], []).append(oid)
    used_names, emails, experts = set(), set(), []
    for e in curated_experts():
        used_names.add(e["displayName"])
        e.update(profile="curated", lang="?")
        experts.append(e)
    for prof in profiles.PROFILES:
        mine = [r for r in reserved if r["profile"] == prof["key"]]
        assert len(mine) <= prof["count"], prof["key"]
        rest = dict(prof, count=prof["count"] - len(mine))
        slots = [(r["org"], r) for r in mine] + [(o, None) for o in allocate(rng, rest)]
        rng.shuffle(slots)
        for option, res in slots:
            name = person(rng, used_names)
            oid = pick_org(rng, option, by_kind, info)
            org = info[oid]
            lang = "nl" if rng.random() < 0.58 else "en"
            tl = lang if rng.random() < 0.85 else ("en" if lang == "nl" else "nl")
            groups = order_groups(rng, prof, res and res["keyword"])
            title = pick_title(rng, prof, tl, groups[0])
            p = make_persp(rng, prof["persp"])
            k = rng.choice([1, 2, 2, 3])
            themes = [prof["themes"][rng.randrange(2)]]
            for t in rng.sample(prof["themes"], len(prof["themes"])):
                if len(themes) < k and t not in themes:
                    themes.append(t)
            experts.append({
                "id": slug(name), "displayName": name, "org": oid, "jobTitle": title,
                "bio": make_bio(rng, prof, lang, title if tl == lang else None,
                                org["displayName"], p),
                "skills": make_skills(rng, groups), "themes": themes,
                "regionCodes": regions_for(rng, org), "persp": p,
                "hours": rng.choice(HOURS), "consent": rng.random() > 0.05,
                "profile": prof["key"], "lang": lang, "slot": res and res["key"]})
            if res:
                e = experts[-1]
                e["consent"] = True
                if e["hours"] < res["hours"]:
                    e["hours"] = rng.choice([h for h in HOURS if h >= res["hours"]])
    for e in experts:
        e["email"] = email_for(e["displayName"], emails)
    ids = [e["id"] for e in experts]
    assert len(set(ids)) == len(ids), "duplicate expert id"
    return experts


def to_json(e):
    """Canonical JSON of an Expert (no output-only fields such as layer)."""
    return {
        "name": "experts/" + e["id"], "displayName": e["displayName"],
        "organisation": "organisations/" + e["org"], "jobTitle": e["jobTitle"],
        "email": e["email"], "bio": e["bio"],
        "skills": [{"name": n, "level": lv} for n, lv in e["skills"]],
        "themes": e["themes"], "regionCodes": e["regionCodes"],
        "perspectives": [PERSP[c] for c in e["persp"]],
        "availableHoursPerWeek": e["hours"], "consentToMatching": e["consent"],
    }
