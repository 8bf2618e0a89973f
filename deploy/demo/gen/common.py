"""Shared constants and small helpers of the demo-data generator (stdlib only)."""

import json
import re
import unicodedata

NATIONAL = "GOVERNMENT_LAYER_NATIONAL"
PROVINCIAL = "GOVERNMENT_LAYER_PROVINCIAL"
MUNICIPAL = "GOVERNMENT_LAYER_MUNICIPAL"
WATER = "GOVERNMENT_LAYER_WATER_AUTHORITY"
REGIONAL = "GOVERNMENT_LAYER_REGIONAL"

POLICY = "PERSPECTIVE_POLICY"
EXECUTION = "PERSPECTIVE_EXECUTION"
GOVERNANCE = "PERSPECTIVE_GOVERNANCE"
FRONTLINE = "PERSPECTIVE_FRONTLINE"

# Short letters used in the data tables: b(eleid), u(itvoering), g (bestuur),
# f(rontline).
PERSP = {"b": POLICY, "u": EXECUTION, "g": GOVERNANCE, "f": FRONTLINE}
LAYERS = {"M": MUNICIPAL, "P": PROVINCIAL, "N": NATIONAL, "W": WATER, "R": REGIONAL}

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
REGION_RE = re.compile(r"^(GM\d{4}|PV\d{2}|WS\d{4}|NL)$")


def slug(text):
    """ASCII id fragment: 'Súdwest-Fryslân' -> 'sudwest-fryslan'."""
    t = text.translate(str.maketrans({"ı": "i", "ø": "o", "ß": "ss", "'": ""}))
    t = unicodedata.normalize("NFKD", t).encode("ascii", "ignore").decode()
    t = re.sub(r"[^a-z0-9]+", "-", t.lower()).strip("-")
    return t


def persp(letters):
    return [PERSP[c] for c in letters]


def layers(letters):
    return [LAYERS[c] for c in letters]


def dump_jsonl(path, records):
    """One compact JSON object per line, UTF-8, keys in the given order."""
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")


def squash(text):
    """Collapse the whitespace of a triple-quoted paragraph."""
    return " ".join(text.split())
