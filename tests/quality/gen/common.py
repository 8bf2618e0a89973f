"""Shared data types and helpers for the quality-set generator (stdlib only).

A *topic* is a fine-grained area of public administration (e.g. "warmtetransitie").
Each topic has a handful of *specialisms*; every generated expert belongs to one
topic and has one primary specialism (at a level 1..5), so relevance grades can be
derived from the design of the data instead of from any ranker.
"""

POLICY = "PERSPECTIVE_POLICY"
EXECUTION = "PERSPECTIVE_EXECUTION"
GOVERNANCE = "PERSPECTIVE_GOVERNANCE"
FRONTLINE = "PERSPECTIVE_FRONTLINE"

NATIONAL = "GOVERNMENT_LAYER_NATIONAL"
PROVINCIAL = "GOVERNMENT_LAYER_PROVINCIAL"
MUNICIPAL = "GOVERNMENT_LAYER_MUNICIPAL"
WATER = "GOVERNMENT_LAYER_WATER_AUTHORITY"
REGIONAL = "GOVERNMENT_LAYER_REGIONAL"

LAYER_CODES = {"N": NATIONAL, "P": PROVINCIAL, "M": MUNICIPAL, "W": WATER, "R": REGIONAL}
PERSP_CODES = {"b": POLICY, "u": EXECUTION, "g": GOVERNANCE, "f": FRONTLINE}

TOPICS = {}      # topic id -> dict
CHALLENGES = []  # list of dicts, in definition order


def S(key, nl, en, abbr=(), pnl=(), pen=()):
    """A specialism: skill-name variants (Dutch, English, abbreviations) and bio phrases."""
    return {"key": key, "nl": list(nl), "en": list(en), "abbr": list(abbr),
            "pnl": list(pnl), "pen": list(pen)}


def topic(tid, domain, themes_nl, themes_en, layers, specs, titles_nl, titles_en,
          related=(), national=(), regional=(), persp="bu", water_boards=False):
    """Register a topic.

    layers:   e.g. "M5 P2 N2 R1" -> relative weights of government layers.
    national: ids of national organisations that work on this topic.
    regional: kinds of regional bodies (vr, ggd, od, res, jzr, amr, metro).
    persp:    perspective letters in rough order of frequency (b=policy,
              u=execution, g=governance, f=frontline).
    related:  topic ids an expert of this topic may have a secondary skill in.
    """
    lw = []
    for part in layers.split():
        lw.append((LAYER_CODES[part[0]], int(part[1:])))
    assert tid not in TOPICS, tid
    TOPICS[tid] = {
        "id": tid, "domain": domain, "themes_nl": list(themes_nl),
        "themes_en": list(themes_en), "layers": lw,
        "specs": {s["key"]: s for s in specs}, "spec_order": [s["key"] for s in specs],
        "titles_nl": list(titles_nl), "titles_en": list(titles_en),
        "related": list(related), "national": list(national),
        "regional": list(regional), "persp": persp, "water_boards": water_boards,
    }


def challenge(cid, tid, lang, title, desc, themes, req, regions, layers, persp,
              team, owner, related=()):
    """Register a challenge.

    req:     [(skill name as written in the challenge, specialism key, min_level, weight)]
    layers:  layer letters, e.g. "MPN".
    persp:   perspective letters, e.g. "bu".
    related: [(topic id, specialism key or None)] whose experts are judged 1.
    """
    CHALLENGES.append({
        "id": cid, "topic": tid, "lang": lang, "title": title,
        "description": " ".join(desc.split()), "themes": list(themes),
        "req": list(req), "regions": list(regions),
        "layers": [LAYER_CODES[c] for c in layers],
        "persp": [PERSP_CODES[c] for c in persp], "team": team,
        "owner": owner, "related": list(related),
    })


def weighted(rng, pairs):
    """Pick from [(item, weight)] deterministically using rng."""
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for item, w in pairs:
        x -= w
        if x < 0:
            return item
    return pairs[-1][0]


FIRST_F = ["Anne", "Sanne", "Lotte", "Fleur", "Eva", "Iris", "Femke", "Marieke", "Ingrid",
           "Annemiek", "Esther", "Karin", "Monique", "Nicole", "Petra", "Renske", "Saskia",
           "Yvonne", "Linda", "Maaike", "Noor", "Roos", "Sophie", "Julia", "Emma", "Lieke",
           "Hanneke", "Wilma", "Joke", "Nadia", "Fatima", "Samira", "Ayse", "Elif", "Chantal",
           "Anouk", "Mirjam", "Gerda", "Tineke", "Ilse", "Merel", "Jolien", "Naima", "Priya",
           "Marloes", "Astrid", "Bregje", "Dewi"]
FIRST_M = ["Jan", "Pieter", "Kees", "Henk", "Bram", "Daan", "Joost", "Maarten", "Ruud",
           "Sander", "Thijs", "Wouter", "Bas", "Jeroen", "Martijn", "Niels", "Erik", "Frank",
           "Gert", "Hans", "Jasper", "Koen", "Lars", "Mark", "Rik", "Stefan", "Tim", "Vincent",
           "Willem", "Youssef", "Mohamed", "Mehmet", "Hamza", "Arjen", "Dirk", "Gijs", "Hugo",
           "Jeroen", "Luuk", "Mees", "Olaf", "Reinier", "Sjoerd", "Teun", "Ids", "Rajesh",
           "Kofi", "Floris"]
PREFIXES = ["", "", "", "", "", "van ", "de ", "van der ", "van den ", "van de ", "ter ", "in 't "]
SURNAMES = ["Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters",
            "Hendriks", "Dekker", "Brouwer", "Dijkstra", "Kok", "Jacobs", "Vermeulen",
            "Willems", "Schouten", "Hoekstra", "Koster", "Prins", "Huisman", "Kuipers",
            "Postma", "Veenstra", "Wouters", "Timmermans", "Groen", "Koning", "Maas",
            "Verbeek", "Scholten", "Boer", "Haan", "Berg", "Wal", "Heuvel", "Linden",
            "Broek", "Veen", "Brink", "Velde", "Horst", "Kamp", "Laar", "Bosch", "Leeuwen",
            "Ploeg", "Molen", "Wetering", "Yilmaz", "El Amrani", "Bouzid", "Kaya", "Demir",
            "Ramdin", "Soekhoe", "Nguyen", "Haddou", "Ouali", "Pinas", "Sedney", "Oudshoorn",
            "Terpstra", "Zwart", "Blom", "Evers", "Lammers", "Sluiter", "Wessels", "Hofstra",
            "Bijl", "Geerts", "Claassen", "Roelofs", "Akkerman", "Staal", "Drost", "Jonker"]
# Surnames that read naturally with a prefix (van der Berg, de Haan, ...).
PREFIXABLE = {"Berg", "Wal", "Heuvel", "Linden", "Broek", "Veen", "Brink", "Velde", "Horst",
              "Kamp", "Laar", "Bosch", "Leeuwen", "Ploeg", "Molen", "Wetering", "Haan",
              "Boer", "Vries", "Groot", "Jong", "Graaf", "Bruijn", "Wit", "Vos", "Koning"}
SURNAMES += ["Vries", "Groot", "Jong", "Graaf", "Bruijn", "Wit"]


def person_name(rng):
    female = rng.random() < 0.5
    first = rng.choice(FIRST_F if female else FIRST_M)
    sur = rng.choice(SURNAMES)
    if sur in PREFIXABLE:
        pre = rng.choice(["van der ", "van den ", "van de ", "de ", "van ", "ter "])
        if sur in {"Vries", "Groot", "Jong", "Graaf", "Bruijn", "Wit", "Haan", "Boer",
                   "Vos", "Koning"}:
            pre = "de "
    else:
        pre = "" if rng.random() < 0.9 else rng.choice(PREFIXES)
    return first, (first + " " + pre + sur), female
