"""Hand-written (fictional) experts: the core of the headline demo
"Versnelling woningbouwopgave regio Utrecht", plus a few that show consent,
availability and organisations the profiles do not cover.

Each entry: (id, display name, organisation id, job title, bio, skills,
themes, region codes, perspective letters, hours, consent).
"""

from common import squash

CURATED = [
    # --- Headline: housing in the Utrecht region, three layers -------------
    ("annelies-verkerk", "Annelies Verkerk", "gemeente-utrecht",
     "programmamanager woningbouwversnelling",
     """Trekt in Utrecht het programma woningbouwversnelling: van plancapaciteit naar
     bouwstarts in onder meer de Merwedekanaalzone en het Beurskwartier. Kent de
     woondeal van de regio U16 van binnenuit en stuurt op betaalbare huur- en koopwoningen.""",
     [("woningbouwversnelling", 5), ("gebiedsontwikkeling", 4), ("stakeholdermanagement", 4),
      ("woondeal", 3)],
     ["woningbouw", "gebiedsontwikkeling"], ["GM0344"], "ub", 8, True),
    ("karim-el-idrissi", "Karim El Idrissi", "gemeente-amersfoort", "land development advisor",
     """Land policy specialist in the Utrecht region. Runs the land development calculations
     and strategic land acquisition that let housing construction in Amersfoort start
     sooner, and negotiates with developers so that two thirds of the new homes are
     affordable.""",
     [("land policy", 5), ("area development", 4), ("land development finance", 4),
      ("negotiation", 3)],
     ["housing", "land policy"], ["GM0307", "PV26"], "u", 6, True),
    ("femke-rietveld", "Femke Rietveld", "gemeente-nieuwegein",
     "projectleider transformatie en flexwonen",
     """Zet leegstaande kantoorpanden op Rijnhuizen om naar woningen en realiseert
     flexwoningen voor spoedzoekers en statushouders. Weet hoe je een transformatie
     juridisch, financieel en met de buurt rond krijgt.""",
     [("transformatie kantoren naar woningen", 5), ("flexwonen", 4),
      ("omgevingsvergunning", 3)],
     ["woningbouw", "flexwonen", "transformatie"], ["GM0356"], "uf", 6, True),
    ("bart-hoogland", "Bart Hoogland", "gemeente-houten", "vergunningverlener woningbouwprojecten",
     """Permit officer in Houten, in the Utrecht region. Cut the lead time of permits for new
     homes under the Environment and Planning Act by starting every large housing project
     with a joint intake of developer, municipality, environmental service and water board.
     Knows where procedures and objections delay construction, and how to prevent that.""",
     [("vergunningverlening woningbouw", 5), ("omgevingsplan", 4), ("Omgevingswet", 4)],
     ["Omgevingswet", "permits", "housing"], ["GM0321"], "fu", 8, True),
    ("lisa-brandsma", "Lisa Brandsma", "gemeente-zeist", "omgevingsmanager woningbouwprojecten",
     """Organiseert participatie van omwonenden bij nieuwe woningbouwlocaties en
     inbreidingsprojecten in Zeist. Zorgt dat bezwaren vroeg op tafel komen, zodat
     procedures niet onnodig vertragen.""",
     [("participatie", 5), ("omgevingsmanagement", 4), ("woningbouwprojecten", 3)],
     ["woningbouw", "participatie"], ["GM0355"], "fu", 8, True),
    ("ingrid-zwart", "Ingrid Zwart", "provincie-utrecht",
     "programmamanager Woondeal regio Utrecht",
     """Coördineert namens de provincie de woondeal met de U16-gemeenten en het Rijk,
     inclusief de monitoring van plancapaciteit en de regionale woningbouwprogrammering.
     Bewaakt de samenhang met stikstof, netcongestie en bereikbaarheid.""",
     [("woningbouwprogrammering", 5), ("interbestuurlijke samenwerking", 5),
      ("ruimtelijke ordening", 4)],
     ["woningbouw", "volkshuisvesting", "ruimtelijke ordening"], ["PV26"], "gb", 8, True),
    ("ruud-achterberg", "Ruud Achterberg", "res-u16",
     "programme manager energy infrastructure",
     """Works on grid congestion in the Utrecht region, where it now threatens housing
     construction: with the grid operators, municipalities, the province and central
     government he makes sure that new housing areas, schools and business parks get a grid
     connection in time, and that substations and cables are part of area development from
     the very first sketch.""",
     [("grid congestion", 5), ("spatial planning", 3), ("energy hubs", 3)],
     ["netcongestie", "energy transition", "housing"],
     ["GM0344", "GM0356", "GM0321", "GM0355", "PV26"], "bu", 6, True),
    ("helene-dijkhuizen", "Hélène Dijkhuizen", "min-bzk",
     "senior beleidsmedewerker interbestuurlijke samenwerking wonen",
     """Works on the intergovernmental side of the housing challenge: the agreements between
     central government, provinces and municipalities behind the regional housing deals,
     the Utrecht region among them, and how money from the municipal fund and specific
     grants reaches the building site. Previously led housing delivery at a large
     municipality.""",
     [("intergovernmental collaboration", 5), ("housing delivery", 4),
      ("financiële verhoudingen", 4)],
     ["housing", "interbestuurlijke samenwerking"], ["NL"], "bg", 8, True),
    ("tom-verheul", "Tom Verheul", "min-vro", "rijksregisseur woondeal regio Utrecht",
     """Rijksregisseur voor de woondeal met de regio Utrecht. Zit met gemeenten en provincie
     aan tafel over de Woningbouwimpuls, de Startbouwimpuls en het wegnemen van knelpunten
     bij grote woningbouwlocaties.""",
     [("woondeal", 5), ("woningbouwversnelling", 4), ("interbestuurlijke samenwerking", 4)],
     ["woningbouw", "volkshuisvesting"], ["NL", "PV26"], "gu", 8, True),
    ("sevda-arslan", "Sevda Arslan", "rijksvastgoedbedrijf", "area developer",
     """Area developer bringing surplus state-owned land and buildings into use for
     housing, such as former office and defence sites, together with the municipalities
     that plan the new neighbourhoods.""",
     [("area development", 5), ("vastgoedtransformatie", 4), ("housing supply", 3)],
     ["housing", "area development"], ["NL"], "u", 4, True),
    ("jorien-wessels", "Jorien Wessels", "ws-hdsr", "adviseur klimaatbestendig bouwen",
     """Adviseert gemeenten in de regio Utrecht over de watertoets en klimaatadaptief
     bouwen, zodat nieuwe woonwijken tegen hevige buien, hitte en droogte kunnen.""",
     [("klimaatadaptief bouwen", 5), ("watertoets", 4), ("woningbouwlocaties", 2)],
     ["klimaatadaptatie", "woningbouw"], ["WS0155", "PV26"], "bu", 4, True),
    ("mehmet-aydin", "Mehmet Aydın", "odru", "vergunningverlener milieu",
     """Doet de milieutoets voor woningbouw naast bedrijven en wegen: geluid,
     geur en externe veiligheid. Zoekt naar oplossingen die bouwen wel mogelijk maken.""",
     [("milieuzonering", 4), ("geluid", 4), ("omgevingsveiligheid", 3)],
     ["Omgevingswet", "milieu"], ["GM0344", "PV26"], "uf", 6, True),
    # Strong on paper, but no consent to be matched outside his organisation.
    ("pieter-jan-smeets", "Pieter-Jan Smeets", "gemeente-utrecht", "adviseur grondzaken",
     """Grondbeleid en grondexploitaties voor de Utrechtse woningbouwopgave.""",
     [("grondbeleid", 5), ("grondexploitatie", 5)],
     ["woningbouw", "grondbeleid"], ["GM0344"], "u", 8, False),
    # Strong on paper, elsewhere, and fully booked in an active team.
    ("naima-bakkali", "Naima Bakkali", "gemeente-rotterdam", "programmamanager woningbouw",
     """Leads Rotterdam's housing delivery programme: 3,000 new homes a year, with a
     focus on area development in the south of the city.""",
     [("housing delivery", 5), ("area development", 5), ("grondbeleid", 4)],
     ["housing", "woningbouw"], ["GM0599"], "ug", 6, True),
    # A regional lead for the power-outage challenge.
    ("rianne-schipper", "Rianne Schipper", "vr-utrecht", "programmamanager weerbaarheid",
     """Leads the societal resilience programme of the safety region: preparing for long
     outages of power, drinking water and telecom, with emergency support points in every
     neighbourhood and agreements with care providers, the water company and Defence.""",
     [("maatschappelijke weerbaarheid", 5), ("crisis management", 4), ("bevolkingszorg", 4)],
     ["crisisbeheersing", "weerbaarheid"], ["GM0344", "GM0307", "PV26"], "ug", 8, True),
    # --- Organisations the profiles do not cover ---------------------------
    ("wim-oosterveld", "Wim Oosterveld", "nvwa", "senior inspecteur mest en dierlijke bijproducten",
     """Houdt toezicht op mestafzet en mestfraude. Levert uitvoeringskennis aan
     gebiedsprocessen waar stikstofreductie en handhaafbaarheid samenkomen.""",
     [("toezicht mestwetgeving", 5), ("handhaafbaarheid", 4), ("stikstof", 3)],
     ["stikstof", "toezicht", "landbouw"], ["NL"], "uf", 4, True),
    ("eline-groenewoud", "Eline Groenewoud", "kadaster", "adviseur ruimtelijke data",
     """Maakt met de Basisregistratie Adressen en Gebouwen en ruimtelijke data inzichtelijk
     waar woningbouwplannen, netcapaciteit en natuurdoelen elkaar raken.""",
     [("geodata", 5), ("BAG", 4), ("woningbouwmonitor", 4)],
     ["data", "woningbouw", "ruimtelijke ordening"], ["NL"], "u", 6, True),
    ("jeroen-talsma", "Jeroen Talsma", "cbs", "statisticus wonen en bevolking",
     """Produces the population and household projections that housing deals are built
     on, and helps regions read them correctly.""",
     [("household projections", 5), ("housing statistics", 4), ("data analysis", 4)],
     ["housing", "statistics"], ["NL"], "b", 4, True),
    ("marit-koopmans", "Marit Koopmans", "min-defensie", "projectleider vastgoed en ruimte",
     """Werkt aan de ruimtebehoefte van Defensie (oefenterreinen, kazernes) en de
     afstemming daarvan met provincies en gemeenten in de nationale ruimtelijke puzzel.""",
     [("ruimtelijke ordening", 4), ("vastgoedstrategie", 4), ("interbestuurlijk overleg", 3)],
     ["ruimtelijke ordening", "defensie"], ["NL"], "bu", 2, True),
    ("ahmed-mansouri", "Ahmed Mansouri", "ind", "procesmanager asiel",
     """Improves the handover between IND, COA and municipalities so that permit holders
     move into a home faster and reception places free up.""",
     [("asylum procedures", 5), ("chain management", 4), ("status holder housing", 3)],
     ["asylum reception", "migration"], ["NL"], "u", 4, True),
    ("sophie-van-rijswijk", "Sophie van Rijswijk", "min-fin", "inspecteur rijksfinanciën",
     """Beoordeelt de financiële onderbouwing van interbestuurlijke programma's, zoals
     woondeals en de Hervormingsagenda Jeugd, en toetst de uitvoerbaarheid van ramingen.""",
     [("rijksbegroting", 5), ("financiële onderbouwing", 4), ("uitvoerbaarheid", 3)],
     ["public finance", "begroting"], ["NL"], "b", 2, True),
    ("joris-van-der-kolk", "Joris van der Kolk", "min-bz", "beleidsmedewerker EU-zaken",
     """Follows EU files with a domestic impact, such as the Nature Restoration Law and
     the Energy Performance of Buildings Directive, and briefs provinces and municipalities.""",
     [("EU affairs", 5), ("nature restoration law", 3), ("EPBD", 3)],
     ["EU", "international"], ["NL"], "b", 2, False),
]


def curated_experts():
    """Canonical-JSON experts plus their internal info."""
    out = []
    for (eid, name, org, title, bio, skills, themes, regions, persp, hours,
         consent) in CURATED:
        out.append({"id": eid, "displayName": name, "org": org, "jobTitle": title,
                    "bio": squash(bio), "skills": skills, "themes": themes,
                    "regionCodes": regions, "persp": persp, "hours": hours,
                    "consent": consent})
    return out
