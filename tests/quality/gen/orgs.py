"""Organisations of the quality set: ministries and agencies, the twelve provinces,
municipalities (real CBS codes), water boards (plausible WS codes) and regional
joint arrangements (veiligheidsregio, GGD, omgevingsdienst, RES-regio,
jeugdzorgregio, arbeidsmarktregio, RIEC, vervoer-/metropoolregio)."""

from common import NATIONAL, PROVINCIAL, MUNICIPAL, WATER, REGIONAL

PROVINCES = [
    ("groningen", "Groningen", "PV20"), ("fryslan", "Fryslân", "PV21"),
    ("drenthe", "Drenthe", "PV22"), ("overijssel", "Overijssel", "PV23"),
    ("flevoland", "Flevoland", "PV24"), ("gelderland", "Gelderland", "PV25"),
    ("utrecht", "Utrecht", "PV26"), ("noord-holland", "Noord-Holland", "PV27"),
    ("zuid-holland", "Zuid-Holland", "PV28"), ("zeeland", "Zeeland", "PV29"),
    ("noord-brabant", "Noord-Brabant", "PV30"), ("limburg", "Limburg", "PV31"),
]

# (id suffix, display name, CBS code, province code)
MUNICIPALITIES = [
    ("amsterdam", "Amsterdam", "GM0363", "PV27"), ("rotterdam", "Rotterdam", "GM0599", "PV28"),
    ("den-haag", "Den Haag", "GM0518", "PV28"), ("utrecht", "Utrecht", "GM0344", "PV26"),
    ("eindhoven", "Eindhoven", "GM0772", "PV30"), ("groningen", "Groningen", "GM0014", "PV20"),
    ("tilburg", "Tilburg", "GM0855", "PV30"), ("almere", "Almere", "GM0034", "PV24"),
    ("arnhem", "Arnhem", "GM0202", "PV25"), ("nijmegen", "Nijmegen", "GM0268", "PV25"),
    ("zwolle", "Zwolle", "GM0193", "PV23"), ("leeuwarden", "Leeuwarden", "GM0080", "PV21"),
    ("maastricht", "Maastricht", "GM0935", "PV31"), ("breda", "Breda", "GM0758", "PV30"),
    ("den-bosch", "'s-Hertogenbosch", "GM0796", "PV30"), ("enschede", "Enschede", "GM0153", "PV23"),
    ("leiden", "Leiden", "GM0546", "PV28"), ("haarlem", "Haarlem", "GM0392", "PV27"),
    ("apeldoorn", "Apeldoorn", "GM0200", "PV25"), ("amersfoort", "Amersfoort", "GM0307", "PV26"),
    ("delft", "Delft", "GM0503", "PV28"), ("assen", "Assen", "GM0106", "PV22"),
    ("emmen", "Emmen", "GM0114", "PV22"), ("middelburg", "Middelburg", "GM0687", "PV29"),
    ("vlissingen", "Vlissingen", "GM0718", "PV29"), ("venlo", "Venlo", "GM0983", "PV31"),
    ("heerlen", "Heerlen", "GM0917", "PV31"), ("lelystad", "Lelystad", "GM0995", "PV24"),
    ("zaanstad", "Zaanstad", "GM0479", "PV27"), ("alkmaar", "Alkmaar", "GM0361", "PV27"),
    ("haarlemmermeer", "Haarlemmermeer", "GM0394", "PV27"),
    ("dordrecht", "Dordrecht", "GM0505", "PV28"), ("zoetermeer", "Zoetermeer", "GM0637", "PV28"),
    ("ede", "Ede", "GM0228", "PV25"), ("wageningen", "Wageningen", "GM0289", "PV25"),
    ("deventer", "Deventer", "GM0150", "PV23"), ("helmond", "Helmond", "GM0794", "PV30"),
    ("westland", "Westland", "GM1783", "PV28"), ("heerenveen", "Heerenveen", "GM0074", "PV21"),
    ("goes", "Goes", "GM0664", "PV29"), ("sittard-geleen", "Sittard-Geleen", "GM1883", "PV31"),
    ("hoogeveen", "Hoogeveen", "GM0118", "PV22"), ("noordoostpolder", "Noordoostpolder",
                                                   "GM0171", "PV24"),
]

# Water boards: codes are plausible WS codes (not all verified against CBS).
# (id, display name, code, provinces covered)
WATER_BOARDS = [
    ("hdsr", "Hoogheemraadschap De Stichtse Rijnlanden", "WS0155", ["PV26", "PV28"]),
    ("agv", "Waterschap Amstel, Gooi en Vecht", "WS0636", ["PV27"]),
    ("rivierenland", "Waterschap Rivierenland", "WS0621", ["PV25", "PV28"]),
    ("rijnland", "Hoogheemraadschap van Rijnland", "WS0616", ["PV28", "PV27"]),
    ("delfland", "Hoogheemraadschap van Delfland", "WS0539", ["PV28"]),
    ("hhnk", "Hoogheemraadschap Hollands Noorderkwartier", "WS0651", ["PV27"]),
    ("hhsk", "Hoogheemraadschap van Schieland en de Krimpenerwaard", "WS0656", ["PV28"]),
    ("brabantse-delta", "Waterschap Brabantse Delta", "WS0652", ["PV30"]),
    ("de-dommel", "Waterschap De Dommel", "WS0653", ["PV30"]),
    ("aa-en-maas", "Waterschap Aa en Maas", "WS0654", ["PV30"]),
    ("limburg", "Waterschap Limburg", "WS0665", ["PV31"]),
    ("rijn-en-ijssel", "Waterschap Rijn en IJssel", "WS0152", ["PV25"]),
    ("vallei-en-veluwe", "Waterschap Vallei en Veluwe", "WS0662", ["PV25", "PV26"]),
    ("zuiderzeeland", "Waterschap Zuiderzeeland", "WS0650", ["PV24"]),
    ("noorderzijlvest", "Waterschap Noorderzijlvest", "WS0647", ["PV20"]),
    ("hunze-en-aas", "Waterschap Hunze en Aa's", "WS0648", ["PV20", "PV22"]),
    ("fryslan", "Wetterskip Fryslân", "WS0645", ["PV21"]),
    ("wdodelta", "Waterschap Drents Overijsselse Delta", "WS0663", ["PV22", "PV23"]),
    ("vechtstromen", "Waterschap Vechtstromen", "WS0664", ["PV23", "PV22"]),
    ("scheldestromen", "Waterschap Scheldestromen", "WS0661", ["PV29"]),
]

# National organisations and the topic domains they work on.
NATIONALS = [
    ("min-bzk", "Ministerie van Binnenlandse Zaken en Koninkrijksrelaties"),
    ("min-vro", "Ministerie van Volkshuisvesting en Ruimtelijke Ordening"),
    ("min-ienw", "Ministerie van Infrastructuur en Waterstaat"),
    ("min-lnv", "Ministerie van Landbouw, Natuur en Voedselkwaliteit"),
    ("min-ezk", "Ministerie van Economische Zaken en Klimaat"),
    ("min-vws", "Ministerie van Volksgezondheid, Welzijn en Sport"),
    ("min-jenv", "Ministerie van Justitie en Veiligheid"),
    ("min-szw", "Ministerie van Sociale Zaken en Werkgelegenheid"),
    ("min-ocw", "Ministerie van Onderwijs, Cultuur en Wetenschap"),
    ("rijkswaterstaat", "Rijkswaterstaat"),
    ("rvo", "Rijksdienst voor Ondernemend Nederland"),
    ("rivm", "Rijksinstituut voor Volksgezondheid en Milieu"),
    ("coa", "Centraal Orgaan opvang asielzoekers"),
    ("uwv", "UWV"),
    ("nctv", "Nationaal Coördinator Terrorismebestrijding en Veiligheid"),
    ("nationaal-archief", "Nationaal Archief"),
    ("duo", "Dienst Uitvoering Onderwijs"),
    ("cbs", "Centraal Bureau voor de Statistiek"),
]

# Regional bodies: (id, display name, kind, member municipality codes, province codes)
REGIONALS = [
    ("vr-amsterdam-amstelland", "Veiligheidsregio Amsterdam-Amstelland", "vr", ["GM0363"], ["PV27"]),
    ("vr-rotterdam-rijnmond", "Veiligheidsregio Rotterdam-Rijnmond", "vr", ["GM0599"], ["PV28"]),
    ("vr-haaglanden", "Veiligheidsregio Haaglanden", "vr", ["GM0518", "GM0503", "GM0637", "GM1783"], ["PV28"]),
    ("vr-utrecht", "Veiligheidsregio Utrecht", "vr", ["GM0344", "GM0307"], ["PV26"]),
    ("vr-brabant-zuidoost", "Veiligheidsregio Brabant-Zuidoost", "vr", ["GM0772", "GM0794"], ["PV30"]),
    ("vr-groningen", "Veiligheidsregio Groningen", "vr", ["GM0014"], ["PV20"]),
    ("vr-zuid-limburg", "Veiligheidsregio Zuid-Limburg", "vr", ["GM0935", "GM0917", "GM1883"], ["PV31"]),
    ("vr-ijsselland", "Veiligheidsregio IJsselland", "vr", ["GM0193", "GM0150"], ["PV23"]),
    ("vr-fryslan", "Veiligheidsregio Fryslân", "vr", ["GM0080", "GM0074"], ["PV21"]),
    ("ggd-amsterdam", "GGD Amsterdam", "ggd", ["GM0363"], ["PV27"]),
    ("ggd-rotterdam-rijnmond", "GGD Rotterdam-Rijnmond", "ggd", ["GM0599"], ["PV28"]),
    ("ggd-haaglanden", "GGD Haaglanden", "ggd", ["GM0518", "GM0503", "GM0637"], ["PV28"]),
    ("ggd-regio-utrecht", "GGD regio Utrecht", "ggd", ["GM0344", "GM0307"], ["PV26"]),
    ("ggd-brabant-zuidoost", "GGD Brabant-Zuidoost", "ggd", ["GM0772", "GM0794"], ["PV30"]),
    ("ggd-groningen", "GGD Groningen", "ggd", ["GM0014"], ["PV20"]),
    ("ggd-zuid-limburg", "GGD Zuid Limburg", "ggd", ["GM0935", "GM0917"], ["PV31"]),
    ("ggd-gelderland-zuid", "GGD Gelderland-Zuid", "ggd", ["GM0268"], ["PV25"]),
    ("od-nzkg", "Omgevingsdienst Noordzeekanaalgebied", "od", ["GM0363", "GM0479", "GM0392"], ["PV27"]),
    ("dcmr", "DCMR Milieudienst Rijnmond", "od", ["GM0599"], ["PV28"]),
    ("od-haaglanden", "Omgevingsdienst Haaglanden", "od", ["GM0518", "GM0503", "GM1783"], ["PV28"]),
    ("odru", "Omgevingsdienst regio Utrecht", "od", ["GM0344"], ["PV26"]),
    ("odzob", "Omgevingsdienst Zuidoost-Brabant", "od", ["GM0772", "GM0794"], ["PV30"]),
    ("od-groningen", "Omgevingsdienst Groningen", "od", ["GM0014"], ["PV20"]),
    ("odrn", "Omgevingsdienst Regio Nijmegen", "od", ["GM0268"], ["PV25"]),
    ("odmwb", "Omgevingsdienst Midden- en West-Brabant", "od", ["GM0758", "GM0855"], ["PV30"]),
    ("res-nhz", "RES-regio Noord-Holland Zuid", "res", ["GM0363", "GM0392", "GM0394"], ["PV27"]),
    ("res-rdh", "RES-regio Rotterdam Den Haag", "res", ["GM0599", "GM0518", "GM0503"], ["PV28"]),
    ("res-u16", "RES-regio U16", "res", ["GM0344"], ["PV26"]),
    ("res-mre", "RES-regio Metropoolregio Eindhoven", "res", ["GM0772", "GM0794"], ["PV30"]),
    ("res-groningen", "RES-regio Groningen", "res", ["GM0014"], ["PV20"]),
    ("res-foodvalley", "RES-regio Foodvalley", "res", ["GM0228", "GM0289"], ["PV25", "PV26"]),
    ("jzr-amsterdam", "Jeugdzorgregio Amsterdam-Amstelland", "jzr", ["GM0363"], ["PV27"]),
    ("jzr-rijnmond", "Jeugdhulp Rijnmond", "jzr", ["GM0599"], ["PV28"]),
    ("jzr-hart-van-brabant", "Jeugdzorgregio Hart van Brabant", "jzr", ["GM0855"], ["PV30"]),
    ("jzr-twente", "Jeugdzorgregio Twente", "jzr", ["GM0153"], ["PV23"]),
    ("jzr-groningen", "Regionaal Inkoopbureau Jeugd Groningen", "jzr", ["GM0014"], ["PV20"]),
    ("amr-groot-amsterdam", "Arbeidsmarktregio Groot Amsterdam", "amr", ["GM0363", "GM0479"], ["PV27"]),
    ("amr-rijnmond", "Arbeidsmarktregio Rijnmond", "amr", ["GM0599"], ["PV28"]),
    ("amr-midden-utrecht", "Arbeidsmarktregio Midden-Utrecht", "amr", ["GM0344"], ["PV26"]),
    ("amr-zuidoost-brabant", "Arbeidsmarktregio Zuidoost-Brabant", "amr", ["GM0772"], ["PV30"]),
    ("riec-amsterdam", "RIEC Amsterdam-Amstelland", "riec", ["GM0363"], ["PV27"]),
    ("riec-rotterdam", "RIEC Rotterdam", "riec", ["GM0599"], ["PV28"]),
    ("riec-zuid-nederland", "RIEC Zuid-Nederland", "riec", ["GM0772", "GM0855", "GM0758"], ["PV30"]),
    ("vervoerregio-amsterdam", "Vervoerregio Amsterdam", "metro", ["GM0363", "GM0479"], ["PV27"]),
    ("mrdh", "Metropoolregio Rotterdam Den Haag", "metro", ["GM0599", "GM0518"], ["PV28"]),
    ("regio-foodvalley", "Regio Foodvalley", "metro", ["GM0228", "GM0289"], ["PV25", "PV26"]),
    ("metropoolregio-eindhoven", "Metropoolregio Eindhoven", "metro", ["GM0772", "GM0794"], ["PV30"]),
]


def build_orgs():
    """Return (ordered list of org dicts, id->org). Extra keys start with '_'."""
    orgs = []
    for oid, disp in NATIONALS:
        orgs.append({"id": oid, "displayName": disp, "layer": NATIONAL,
                     "regionCodes": ["NL"], "_kind": "national", "_gms": [], "_pvs": []})
    for oid, disp, code in PROVINCES:
        orgs.append({"id": "provincie-" + oid, "displayName": "Provincie " + disp,
                     "layer": PROVINCIAL, "regionCodes": [code], "_kind": "province",
                     "_gms": [m[2] for m in MUNICIPALITIES if m[3] == code], "_pvs": [code]})
    for oid, disp, code, pv in MUNICIPALITIES:
        orgs.append({"id": "gemeente-" + oid, "displayName": "Gemeente " + disp,
                     "layer": MUNICIPAL, "regionCodes": [code], "_kind": "municipality",
                     "_gms": [code], "_pvs": [pv], "_place": disp})
    for oid, disp, code, pvs in WATER_BOARDS:
        orgs.append({"id": "ws-" + oid, "displayName": disp, "layer": WATER,
                     "regionCodes": [code], "_kind": "waterboard", "_gms": [], "_pvs": pvs})
    for oid, disp, kind, gms, pvs in REGIONALS:
        orgs.append({"id": oid, "displayName": disp, "layer": REGIONAL,
                     "regionCodes": list(gms) + list(pvs), "_kind": kind,
                     "_gms": list(gms), "_pvs": list(pvs)})
    by_id = {o["id"]: o for o in orgs}
    assert len(by_id) == len(orgs)
    return orgs, by_id


GM_TO_PV = {m[2]: m[3] for m in MUNICIPALITIES}
PV_NAME = {code: disp for _, disp, code in PROVINCES}
