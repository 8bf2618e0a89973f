"""The profile registry: each profile describes a kind of expert on one theme.

A profile is registered with P(...) from the profiles_*.py files:

  key      short id, used by the team definitions to pick members;
  count    how many experts to generate;
  orgs     "kind:weight" or "org-id:weight" pairs, space separated. Kinds: gm
           (any municipality), pv (any province), ws (any water board), and the
           regional kinds vr, ggd, od, res, jzr, metro, amr, riec. Explicit ids
           put experts where the challenges and teams need them;
  persp    perspective letters by frequency (b policy, u execution,
           g governance, f frontline);
  themes   theme strings; an expert gets one to three of them;
  skills   groups of interchangeable skill names (Dutch, English, compounds,
           abbreviations); an expert gets one name from each of two to four
           groups, so the same competence is written in different words;
  titles   (Dutch titles, English titles);
  bio      (Dutch noun phrases, English noun phrases) about the work.
"""

PROFILES = []


def P(key, count, orgs, persp, themes, skills, titles, bio):
    pairs = []
    for part in orgs.split():
        name, weight = part.rsplit(":", 1)
        pairs.append((name, float(weight)))
    assert all(isinstance(g, list) and g for g in skills), key
    assert key not in {p["key"] for p in PROFILES}, key
    PROFILES.append({"key": key, "count": count, "orgs": pairs, "persp": persp,
                     "themes": list(themes), "skills": skills,
                     "titles_nl": list(titles[0]), "titles_en": list(titles[1]),
                     "bio_nl": list(bio[0]), "bio_en": list(bio[1])})


# Cross-cutting skills an expert may have besides the theme's own.
GENERIC_SKILLS = [
    ["procesbegeleiding", "process facilitation"],
    ["stakeholdermanagement", "stakeholder management"],
    ["projectmanagement", "project management"],
    ["bestuurlijke advisering", "advising elected officials"],
    ["interbestuurlijke samenwerking", "intergovernmental collaboration"],
    ["data-analyse", "data analysis"],
    ["subsidieverwerving", "grant applications"],
    ["onderhandelen", "negotiation"],
    ["communicatie", "public communication"],
    ["programmamanagement", "programme management"],
    ["juridisch advies", "legal advice"],
    ["participatietrajecten", "public engagement"],
]

# Sentences added to some bios, by language.
EXTRAS_NL = [
    "Verbindt graag beleid en uitvoering.",
    "Sterk in het bij elkaar brengen van gemeenten, provincie en Rijk.",
    "Denkt vanuit de leefwereld van inwoners en ondernemers.",
    "Heeft eerder bij een andere overheidslaag gewerkt en kent beide kanten.",
    "Toetst nieuw beleid altijd op uitvoerbaarheid.",
    "Werkt graag in kleine, wendbare teams.",
    "Schrijft helder en kan complexe dossiers kort samenvatten.",
]
EXTRAS_EN = [
    "Enjoys bridging policy and delivery.",
    "Known for pragmatic collaboration across government layers.",
    "Brings the perspective of residents and businesses to the table.",
    "Previously worked at another level of government and knows both sides.",
    "Always tests new policy for feasibility in practice.",
    "Likes working in small, agile teams.",
    "Writes clearly and can summarise complex files in a page.",
]
EXTRAS_FRONTLINE_NL = [
    "Dagelijks in contact met inwoners.",
    "Weet wat er achter de voordeur speelt.",
]
EXTRAS_FRONTLINE_EN = [
    "In daily contact with residents.",
    "Knows what goes on behind the front door.",
]
