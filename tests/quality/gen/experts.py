"""Generate experts from the topic design. Each topical expert records its design
(topic, specialism levels, optional cross-topic skill) for the judgements."""

from common import (TOPICS, CHALLENGES, NATIONAL, PROVINCIAL, MUNICIPAL, WATER, REGIONAL,
                    PERSP_CODES, weighted, person_name)
import bios
from orgs import PV_NAME

LEVEL_DIST = [(1, 5), (2, 14), (3, 30), (4, 33), (5, 18)]
HOURS = [2, 4, 4, 6, 8, 8, 8, 10, 12, 16]


def _cap(s):
    return s[:1].upper() + s[1:]


def _pick_org(rng, t, layer, orgs):
    if layer == NATIONAL:
        pool = [o for o in orgs if o["id"] in t["national"]] or \
               [o for o in orgs if o["layer"] == NATIONAL]
    elif layer == REGIONAL:
        kinds = t["regional"] or ["metro"]
        pool = [o for o in orgs if o["layer"] == REGIONAL and o["_kind"] in kinds]
    else:
        pool = [o for o in orgs if o["layer"] == layer]
    return rng.choice(pool)


def _regions(rng, org):
    k = org["_kind"]
    if k == "national":
        return ["NL"]
    if k == "municipality":
        return org["regionCodes"] + (org["_pvs"] if rng.random() < 0.2 else [])
    if k in ("province",):
        return list(org["regionCodes"])
    if k == "waterboard":
        return org["regionCodes"] + ([rng.choice(org["_pvs"])] if rng.random() < 0.3 else [])
    codes = list(org["regionCodes"])
    if len(codes) > 2 and rng.random() < 0.5:
        codes = rng.sample(codes, 2)
    return codes


def _place(rng, org):
    if org.get("_place"):
        return org["_place"]
    if org["_pvs"]:
        return PV_NAME[rng.choice(org["_pvs"])]
    return "Nederland"


def _perspectives(rng, letters, layer):
    cands = [PERSP_CODES[c] for c in letters]
    if layer in (NATIONAL, PROVINCIAL) and len(cands) > 1:
        cands = [c for c in cands if c != "PERSPECTIVE_FRONTLINE"] or cands
    ws = [(c, max(1, 4 - i)) for i, c in enumerate(cands)]
    first = weighted(rng, ws)
    out = [first]
    if rng.random() < 0.35:
        rest = [c for c in ["PERSPECTIVE_POLICY", "PERSPECTIVE_EXECUTION",
                            "PERSPECTIVE_GOVERNANCE"] if c != first]
        out.append(rng.choice(rest))
    return out


def _variant(rng, spec, lang):
    """Pick one skill-name variant; mostly in the expert's language."""
    own = spec["nl"] if lang == "nl" else spec["en"]
    other = spec["en"] if lang == "nl" else spec["nl"]
    r = rng.random()
    if spec["abbr"] and r < 0.15:
        return rng.choice(spec["abbr"])
    if r < 0.75 or not other:
        return rng.choice(own)
    return rng.choice(other)


def _phrase(rng, spec, lang):
    pool = spec["pnl"] if lang == "nl" else spec["pen"]
    return rng.choice(pool)


def _stems(text):
    return {w[:6] for w in text.lower().replace("-", " ").split() if len(w) >= 5}


def _title(rng, titles, t, pkey):
    """Prefer a title that fits the specialism (shares a word stem with its skill
    names) or fits no specialism in particular (e.g. "beleidsadviseur wonen")."""
    own, free = [], []
    for title in titles:
        st = _stems(title)
        hits = [k for k in t["spec_order"]
                if st & _stems(" ".join(t["specs"][k]["nl"] + t["specs"][k]["en"]))]
        if pkey in hits:
            own.append(title)
        elif not hits:
            free.append(title)
    if rng.random() < 0.85 and (own or free):
        return rng.choice(own * 2 + free)
    return rng.choice(titles)


class Skills:
    def __init__(self):
        self.items, self.seen = [], set()

    def add(self, name, level):
        key = name.lower()
        if key in self.seen:
            return False
        self.seen.add(key)
        self.items.append({"name": name, "level": int(level)})
        return True


def make_topic_expert(rng, t, orgs, used_names):
    new_name(rng, used_names)
    spec_keys = t["spec_order"]
    pkey = rng.choice(spec_keys)
    spec = t["specs"][pkey]
    layer = weighted(rng, t["layers"])
    org = _pick_org(rng, t, layer, orgs)
    lang = "nl" if rng.random() < 0.6 else "en"
    L = weighted(rng, LEVEL_DIST)
    levels = {pkey: L}

    sk = Skills()
    sk.add(_variant(rng, spec, lang), L)
    if rng.random() < 0.45:
        sk.add(_variant(rng, spec, lang), max(1, L - rng.randint(0, 1)))
    p2 = None
    others = [k for k in spec_keys if k != pkey]
    if others and rng.random() < 0.55:
        k2 = rng.choice(others)
        l2 = rng.randint(1, max(1, L - 1))
        if sk.add(_variant(rng, t["specs"][k2], lang), l2):
            levels[k2] = max(levels.get(k2, 0), l2)
        p2 = _phrase(rng, t["specs"][k2], lang)
    cross = None
    xphrase = None
    if t["related"] and rng.random() < 0.18:
        xt = TOPICS[rng.choice(t["related"])]
        xk = rng.choice(xt["spec_order"])
        xl = rng.randint(2, 3)
        if sk.add(_variant(rng, xt["specs"][xk], lang), xl):
            cross = (xt["id"], xk, xl)
            xphrase = _phrase(rng, xt["specs"][xk], lang)
    for _ in range(rng.choice([0, 1, 1, 2])):
        sk.add(rng.choice(bios.COMMON_NL if lang == "nl" else bios.COMMON_EN), rng.randint(2, 4))
    rng.shuffle(sk.items)

    themes = []
    pool = t["themes_nl"] if lang == "nl" else t["themes_en"]
    for th in rng.sample(pool, min(len(pool), rng.randint(1, 2))):
        themes.append(th)
    if rng.random() < 0.25:
        themes.append(rng.choice(t["themes_en"] if lang == "nl" else t["themes_nl"]))
    if cross and rng.random() < 0.5:
        themes.append(rng.choice(TOPICS[cross[0]]["themes_nl"] + TOPICS[cross[0]]["themes_en"]))
    themes = list({th.lower(): th for th in reversed(themes)}.values())[::-1]

    title_lang = lang if rng.random() < 0.75 else "nl"
    titles = t["titles_nl"] if title_lang == "nl" else t["titles_en"]
    senior = rng.choice(bios.SENIOR_NL if title_lang == "nl" else bios.SENIOR_EN)
    title = senior + _title(rng, titles, t, pkey)

    p1 = _phrase(rng, spec, lang)
    if p2 is None or p2 == p1:
        key = "pnl" if lang == "nl" else "pen"
        alt = [p for p in spec[key] if p != p1]
        if not alt:
            alt = [p for k in spec_keys for p in t["specs"][k][key] if p != p1]
        p2 = rng.choice(alt)
    dom = t["domain"] if lang == "nl" else bios.DOMAIN_EN[t["domain"]]
    bio = _bio(rng, lang, used_names, title, org, p1, p2, dom, xphrase)
    return _expert(rng, org, title, bio, sk.items, themes, layer, t["persp"], lang, used_names), {
        "kind": "topic", "topic": t["id"], "spec": pkey, "levels": levels, "cross": cross,
        "lang": lang}


def _bio(rng, lang, used_names, title, org, p1, p2, dom, xphrase, extra_p=0.45):
    first, full, female = used_names["_pending"]
    tpl = rng.choice(bios.NL if lang == "nl" else bios.EN)
    pron = "zij" if female else "hij"
    text = tpl.format(first=first, title=title, Title=_cap(title), org=org["displayName"],
                      p1=p1, p2=p2, dom=dom, years=rng.randint(3, 25),
                      year=rng.randint(2005, 2023), pron=pron, place=_place(rng, org))
    parts = [text]
    if xphrase:
        parts.append(rng.choice(bios.CROSS_NL if lang == "nl" else bios.CROSS_EN).format(x=xphrase))
    if rng.random() < extra_p:
        parts.append(rng.choice(bios.EXTRA_NL if lang == "nl" else bios.EXTRA_EN))
    return " ".join(parts)


def _expert(rng, org, title, bio, skills, themes, layer, persp, lang, used_names):
    first, full, female = used_names.pop("_pending")
    return {"displayName": full, "organisation": "organisations/" + org["id"],
            "jobTitle": title, "bio": bio, "skills": skills, "themes": themes,
            "regionCodes": _regions(rng, org),
            "perspectives": _perspectives(rng, persp, layer),
            "availableHoursPerWeek": rng.choice(HOURS),
            "consentToMatching": rng.random() < 0.93, "_org": org["id"]}


def make_generic_expert(rng, orgs, used_names):
    new_name(rng, used_names)
    g = rng.choice(bios.GENERIC)
    tnl, ten, snl, sen, pnl, pen, themes = g
    lang = "nl" if rng.random() < 0.6 else "en"
    layer = weighted(rng, [(MUNICIPAL, 5), (PROVINCIAL, 2), (NATIONAL, 2), (WATER, 1), (REGIONAL, 2)])
    org = rng.choice([o for o in orgs if o["layer"] == layer])
    title = rng.choice(bios.SENIOR_NL if lang == "nl" else bios.SENIOR_EN) + \
        rng.choice(tnl if lang == "nl" else ten)
    sk = Skills()
    pool = snl if lang == "nl" else sen
    for name in rng.sample(pool, min(len(pool), rng.randint(2, 3))):
        sk.add(name, rng.randint(2, 5))
    g2 = rng.choice(bios.GENERIC)
    sk.add(rng.choice(g2[2] + g2[3]), rng.randint(1, 4))
    ps = pnl if lang == "nl" else pen
    p1 = rng.choice(ps)
    p2 = rng.choice(g2[4] if lang == "nl" else g2[5])
    dom = "bedrijfsvoering" if lang == "nl" else "public administration"
    bio = _bio(rng, lang, used_names, title, org, p1, p2, dom, None, extra_p=0.8)
    e = _expert(rng, org, title, bio, sk.items, list(themes[:rng.randint(1, len(themes))]),
                layer, "bug", lang, used_names)
    return e, {"kind": "generic", "topic": None, "spec": None, "levels": {}, "cross": None,
               "lang": lang}


def topic_sizes(rng):
    n_ch = {}
    for c in CHALLENGES:
        n_ch[c["topic"]] = n_ch.get(c["topic"], 0) + 1
    sizes = {}
    for tid in TOPICS:
        k = n_ch.get(tid, 0)
        sizes[tid] = 18 + rng.randint(0, 4) + (5 if k > 1 else 0)
    return sizes


def new_name(rng, used_names):
    while True:
        first, full, female = person_name(rng)
        if full not in used_names:
            used_names[full] = True
            used_names["_pending"] = (first, full, female)
            return
