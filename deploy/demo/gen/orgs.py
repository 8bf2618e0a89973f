"""Real Dutch government organisations of the demo.

Municipality and province codes are real CBS codes, every municipality is taken
from matching-service/data/regions.tsv (so its province is known). Water-board
WS codes are plausible (the same as in tests/quality), not verified against CBS.
No OIN numbers: we only include what we are sure of.
"""

from common import NATIONAL, PROVINCIAL, MUNICIPAL, WATER, REGIONAL

PROVINCES = [
    ("groningen", "Groningen", "PV20"), ("fryslan", "Fryslân", "PV21"),
    ("drenthe", "Drenthe", "PV22"), ("overijssel", "Overijssel", "PV23"),
    ("flevoland", "Flevoland", "PV24"), ("gelderland", "Gelderland", "PV25"),
    ("utrecht", "Utrecht", "PV26"), ("noord-holland", "Noord-Holland", "PV27"),
    ("zuid-holland", "Zuid-Holland", "PV28"), ("zeeland", "Zeeland", "PV29"),
    ("noord-brabant", "Noord-Brabant", "PV30"), ("limburg", "Limburg", "PV31"),
]

# (id suffix, display name, CBS code, province code); all in regions.tsv.
MUNICIPALITIES = [
    # Utrecht: the headline region.
    ("utrecht", "Utrecht", "GM0344", "PV26"), ("amersfoort", "Amersfoort", "GM0307", "PV26"),
    ("nieuwegein", "Nieuwegein", "GM0356", "PV26"), ("houten", "Houten", "GM0321", "PV26"),
    ("zeist", "Zeist", "GM0355", "PV26"), ("veenendaal", "Veenendaal", "GM0345", "PV26"),
    # Noord-Holland
    ("amsterdam", "Amsterdam", "GM0363", "PV27"), ("zaanstad", "Zaanstad", "GM0479", "PV27"),
    ("haarlem", "Haarlem", "GM0392", "PV27"), ("haarlemmermeer", "Haarlemmermeer", "GM0394", "PV27"),
    ("alkmaar", "Alkmaar", "GM0361", "PV27"), ("hilversum", "Hilversum", "GM0402", "PV27"),
    # Zuid-Holland
    ("rotterdam", "Rotterdam", "GM0599", "PV28"), ("den-haag", "Den Haag", "GM0518", "PV28"),
    ("leiden", "Leiden", "GM0546", "PV28"), ("delft", "Delft", "GM0503", "PV28"),
    ("dordrecht", "Dordrecht", "GM0505", "PV28"), ("zoetermeer", "Zoetermeer", "GM0637", "PV28"),
    ("westland", "Westland", "GM1783", "PV28"), ("schiedam", "Schiedam", "GM0606", "PV28"),
    # Noorden
    ("groningen", "Groningen", "GM0014", "PV20"), ("leeuwarden", "Leeuwarden", "GM0080", "PV21"),
    ("sudwest-fryslan", "Súdwest-Fryslân", "GM1900", "PV21"), ("assen", "Assen", "GM0106", "PV22"),
    ("emmen", "Emmen", "GM0114", "PV22"),
    # Oosten en Flevoland
    ("zwolle", "Zwolle", "GM0193", "PV23"), ("deventer", "Deventer", "GM0150", "PV23"),
    ("enschede", "Enschede", "GM0153", "PV23"), ("almere", "Almere", "GM0034", "PV24"),
    ("lelystad", "Lelystad", "GM0995", "PV24"), ("noordoostpolder", "Noordoostpolder", "GM0171", "PV24"),
    ("arnhem", "Arnhem", "GM0202", "PV25"), ("nijmegen", "Nijmegen", "GM0268", "PV25"),
    ("apeldoorn", "Apeldoorn", "GM0200", "PV25"), ("ede", "Ede", "GM0228", "PV25"),
    ("wageningen", "Wageningen", "GM0289", "PV25"),
    # Zuiden
    ("middelburg", "Middelburg", "GM0687", "PV29"), ("vlissingen", "Vlissingen", "GM0718", "PV29"),
    ("terneuzen", "Terneuzen", "GM0715", "PV29"), ("eindhoven", "Eindhoven", "GM0772", "PV30"),
    ("tilburg", "Tilburg", "GM0855", "PV30"), ("breda", "Breda", "GM0758", "PV30"),
    ("den-bosch", "'s-Hertogenbosch", "GM0796", "PV30"), ("helmond", "Helmond", "GM0794", "PV30"),
    ("maastricht", "Maastricht", "GM0935", "PV31"), ("heerlen", "Heerlen", "GM0917", "PV31"),
    ("venlo", "Venlo", "GM0983", "PV31"), ("roermond", "Roermond", "GM0957", "PV31"),
]

# Ministries (names as of the 2024 reorganisation: VRO split from BZK, KGG from
# EZK, LNV became LVVN) and national executive agencies.
NATIONALS = [
    ("min-az", "Ministerie van Algemene Zaken"),
    ("min-bzk", "Ministerie van Binnenlandse Zaken en Koninkrijksrelaties"),
    ("min-vro", "Ministerie van Volkshuisvesting en Ruimtelijke Ordening"),
    ("min-bz", "Ministerie van Buitenlandse Zaken"),
    ("min-defensie", "Ministerie van Defensie"),
    ("min-ez", "Ministerie van Economische Zaken"),
    ("min-kgg", "Ministerie van Klimaat en Groene Groei"),
    ("min-fin", "Ministerie van Financiën"),
    ("min-ienw", "Ministerie van Infrastructuur en Waterstaat"),
    ("min-jenv", "Ministerie van Justitie en Veiligheid"),
    ("min-lvvn", "Ministerie van Landbouw, Visserij, Voedselzekerheid en Natuur"),
    ("min-ocw", "Ministerie van Onderwijs, Cultuur en Wetenschap"),
    ("min-szw", "Ministerie van Sociale Zaken en Werkgelegenheid"),
    ("min-vws", "Ministerie van Volksgezondheid, Welzijn en Sport"),
    ("rijkswaterstaat", "Rijkswaterstaat"),
    ("rvo", "Rijksdienst voor Ondernemend Nederland (RVO)"),
    ("duo", "Dienst Uitvoering Onderwijs (DUO)"),
    ("uwv", "Uitvoeringsinstituut Werknemersverzekeringen (UWV)"),
    ("ind", "Immigratie- en Naturalisatiedienst (IND)"),
    ("coa", "Centraal Orgaan opvang asielzoekers (COA)"),
    ("rivm", "Rijksinstituut voor Volksgezondheid en Milieu (RIVM)"),
    ("kadaster", "Kadaster"),
    ("cbs", "Centraal Bureau voor de Statistiek (CBS)"),
    ("logius", "Logius"),
    ("nvwa", "Nederlandse Voedsel- en Warenautoriteit (NVWA)"),
    ("rijksvastgoedbedrijf", "Rijksvastgoedbedrijf"),
    ("nctv", "Nationaal Coördinator Terrorismebestrijding en Veiligheid (NCTV)"),
]

# (id, display name, WS code, provinces covered)
WATER_BOARDS = [
    ("ws-hdsr", "Hoogheemraadschap De Stichtse Rijnlanden", "WS0155", ["PV26", "PV28"]),
    ("ws-delfland", "Hoogheemraadschap van Delfland", "WS0539", ["PV28"]),
    ("ws-agv", "Waterschap Amstel, Gooi en Vecht (Waternet)", "WS0636", ["PV27", "PV26"]),
    ("ws-hhnk", "Hoogheemraadschap Hollands Noorderkwartier", "WS0651", ["PV27"]),
    ("ws-rivierenland", "Waterschap Rivierenland", "WS0621", ["PV25", "PV28"]),
    ("ws-rijn-en-ijssel", "Waterschap Rijn en IJssel", "WS0152", ["PV25"]),
    ("ws-vallei-en-veluwe", "Waterschap Vallei en Veluwe", "WS0662", ["PV25", "PV26"]),
    ("ws-aa-en-maas", "Waterschap Aa en Maas", "WS0654", ["PV30"]),
    ("ws-brabantse-delta", "Waterschap Brabantse Delta", "WS0652", ["PV30"]),
    ("ws-limburg", "Waterschap Limburg", "WS0665", ["PV31"]),
    ("ws-noorderzijlvest", "Waterschap Noorderzijlvest", "WS0647", ["PV20"]),
    ("ws-fryslan", "Wetterskip Fryslân", "WS0645", ["PV21"]),
    ("ws-scheldestromen", "Waterschap Scheldestromen", "WS0661", ["PV29"]),
]

# Joint arrangements: (id, display name, kind, municipality codes, provinces).
# Kinds: vr (veiligheidsregio), ggd, od (omgevingsdienst), res, jzr
# (jeugdzorgregio), metro (metropool-/vervoerregio), amr (arbeidsmarktregio),
# riec.
REGIONALS = [
    ("vr-utrecht", "Veiligheidsregio Utrecht", "vr",
     ["GM0344", "GM0307", "GM0356", "GM0321", "GM0355", "GM0345"], ["PV26"]),
    ("vr-rotterdam-rijnmond", "Veiligheidsregio Rotterdam-Rijnmond", "vr",
     ["GM0599", "GM0606"], ["PV28"]),
    ("vr-haaglanden", "Veiligheidsregio Haaglanden", "vr",
     ["GM0518", "GM0503", "GM0637", "GM1783"], ["PV28"]),
    ("vr-gelderland-midden", "Veiligheidsregio Gelderland-Midden", "vr",
     ["GM0202", "GM0228", "GM0289"], ["PV25"]),
    ("vr-zuid-limburg", "Veiligheidsregio Zuid-Limburg", "vr", ["GM0935", "GM0917"], ["PV31"]),
    ("vr-groningen", "Veiligheidsregio Groningen", "vr", ["GM0014"], ["PV20"]),
    ("vr-zeeland", "Veiligheidsregio Zeeland", "vr",
     ["GM0687", "GM0718", "GM0715"], ["PV29"]),
    ("vr-brabant-zuidoost", "Veiligheidsregio Brabant-Zuidoost", "vr",
     ["GM0772", "GM0794"], ["PV30"]),
    ("ggd-regio-utrecht", "GGD regio Utrecht", "ggd",
     ["GM0344", "GM0307", "GM0356", "GM0321", "GM0355", "GM0345"], ["PV26"]),
    ("ggd-haaglanden", "GGD Haaglanden", "ggd",
     ["GM0518", "GM0503", "GM0637", "GM1783"], ["PV28"]),
    ("ggd-rotterdam-rijnmond", "GGD Rotterdam-Rijnmond", "ggd", ["GM0599", "GM0606"], ["PV28"]),
    ("ggd-amsterdam", "GGD Amsterdam", "ggd", ["GM0363"], ["PV27"]),
    ("ggd-groningen", "GGD Groningen", "ggd", ["GM0014"], ["PV20"]),
    ("ggd-gelderland-zuid", "GGD Gelderland-Zuid", "ggd", ["GM0268"], ["PV25"]),
    ("ggd-hart-voor-brabant", "GGD Hart voor Brabant", "ggd", ["GM0855", "GM0796"], ["PV30"]),
    ("ggd-zuid-limburg", "GGD Zuid Limburg", "ggd", ["GM0935", "GM0917"], ["PV31"]),
    ("ggd-zeeland", "GGD Zeeland", "ggd", ["GM0687", "GM0718", "GM0715"], ["PV29"]),
    ("odru", "Omgevingsdienst regio Utrecht", "od",
     ["GM0344", "GM0356", "GM0321", "GM0355"], ["PV26"]),
    ("dcmr", "DCMR Milieudienst Rijnmond", "od", ["GM0599", "GM0606"], ["PV28"]),
    ("od-nzkg", "Omgevingsdienst Noordzeekanaalgebied", "od",
     ["GM0363", "GM0479", "GM0392", "GM0394"], ["PV27"]),
    ("odzob", "Omgevingsdienst Zuidoost-Brabant", "od", ["GM0772", "GM0794"], ["PV30"]),
    ("od-groningen", "Omgevingsdienst Groningen", "od", ["GM0014"], ["PV20"]),
    ("res-u16", "Regionale Energiestrategie U16", "res",
     ["GM0344", "GM0356", "GM0321", "GM0355"], ["PV26"]),
    ("res-rotterdam-den-haag", "RES-regio Rotterdam Den Haag", "res",
     ["GM0599", "GM0518", "GM0503", "GM0606"], ["PV28"]),
    ("res-noord-holland-zuid", "RES-regio Noord-Holland Zuid", "res",
     ["GM0363", "GM0392", "GM0394", "GM0479"], ["PV27"]),
    ("res-groningen", "RES-regio Groningen", "res", ["GM0014"], ["PV20"]),
    ("res-metropoolregio-eindhoven", "RES-regio Metropoolregio Eindhoven", "res",
     ["GM0772", "GM0794"], ["PV30"]),
    ("jeugdhulp-rijnmond", "Jeugdhulp Rijnmond", "jzr", ["GM0599", "GM0606"], ["PV28"]),
    ("jeugdzorgregio-twente", "Jeugdzorgregio Twente", "jzr", ["GM0153"], ["PV23"]),
    ("jeugdzorgregio-hart-van-brabant", "Jeugdzorgregio Hart van Brabant", "jzr",
     ["GM0855"], ["PV30"]),
    ("mrdh", "Metropoolregio Rotterdam Den Haag", "metro",
     ["GM0599", "GM0518", "GM0503", "GM0637", "GM0606", "GM1783"], ["PV28"]),
    ("metropoolregio-amsterdam", "Metropoolregio Amsterdam", "metro",
     ["GM0363", "GM0479", "GM0392", "GM0394", "GM0034", "GM0995"], ["PV27", "PV24"]),
    ("metropoolregio-eindhoven", "Metropoolregio Eindhoven", "metro",
     ["GM0772", "GM0794"], ["PV30"]),
    ("regio-foodvalley", "Regio Foodvalley", "metro",
     ["GM0228", "GM0289", "GM0345"], ["PV25", "PV26"]),
    ("amr-midden-utrecht", "Arbeidsmarktregio Midden-Utrecht", "amr",
     ["GM0344", "GM0356", "GM0321", "GM0355"], ["PV26"]),
    ("amr-rijnmond", "Arbeidsmarktregio Rijnmond", "amr", ["GM0599", "GM0606"], ["PV28"]),
    ("riec-rotterdam", "RIEC Rotterdam", "riec", ["GM0599", "GM0606"], ["PV28"]),
]


def build_orgs():
    """Ordered org dicts in canonical JSON, plus id -> info for the generator."""
    out, info = [], {}

    def add(oid, disp, layer, codes, kind, gms, pvs):
        out.append({"name": "organisations/" + oid, "displayName": disp,
                    "layer": layer, "regionCodes": codes})
        info[oid] = {"id": oid, "displayName": disp, "layer": layer, "kind": kind,
                     "codes": codes, "gms": gms, "pvs": pvs}

    for oid, disp in NATIONALS:
        add(oid, disp, NATIONAL, ["NL"], "national", [], [])
    for oid, disp, code in PROVINCES:
        gms = [m[2] for m in MUNICIPALITIES if m[3] == code]
        add("provincie-" + oid, "Provincie " + disp, PROVINCIAL, [code], "pv", gms, [code])
    for oid, disp, code, pv in MUNICIPALITIES:
        add("gemeente-" + oid, "Gemeente " + disp, MUNICIPAL, [code], "gm", [code], [pv])
    for oid, disp, code, pvs in WATER_BOARDS:
        add(oid, disp, WATER, [code] + pvs, "ws", [], pvs)
    for oid, disp, kind, gms, pvs in REGIONALS:
        add(oid, disp, REGIONAL, gms + pvs, kind, gms, pvs)
    assert len(info) == len(out), "duplicate organisation id"
    return out, info


GM_TO_PV = {m[2]: m[3] for m in MUNICIPALITIES}
GM_NAME = {m[2]: m[1] for m in MUNICIPALITIES}
PV_NAME = {code: disp for _, disp, code in PROVINCES}
