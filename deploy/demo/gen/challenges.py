"""Open challenges. The first one is the headline demo.

Required skills are often written differently from the experts' skills
(Dutch vs English, compound vs simple word, abbreviation vs full name), so the
matching service's analysis has to bridge them.

(id, title, owner, themes, description, [(skill, min_level, weight)], regions,
 layer letters, perspective letters, team size)
"""

CHALLENGES = [
    ("woningbouw-regio-utrecht", "Versnelling woningbouwopgave regio Utrecht", "provincie-utrecht",
     ["woningbouw", "volkshuisvesting"],
     """De regio Utrecht groeit snel: tot 2030 moeten er tienduizenden woningen bij, waarvan
     twee derde betaalbaar. Veel locaties lopen vast op grondposities, lange procedures,
     netcongestie en de financiering van infrastructuur. Gemeenten, provincie Utrecht en het
     Rijk willen met één interbestuurlijk opgaveteam de planvoorraad sneller omzetten in
     bouwstarts. We zoeken mensen met ervaring in woningbouwprogrammering, actief grondbeleid,
     gebiedsontwikkeling en snelle vergunningverlening, die ook weten wat er in de uitvoering
     speelt.""",
     [("woningbouwprogrammering", 3, 2), ("grondbeleid", 3, 1.5), ("gebiedsontwikkeling", 3, 1),
      ("vergunningverlening", 2, 1.5), ("interbestuurlijke samenwerking", 3, 1), ("netcongestie", 2, 1.5)],
     ["PV26", "GM0344", "GM0307", "GM0356", "GM0321", "GM0355"], "MPNR", "bug", 6),
    ("netcongestie-bedrijventerreinen-brabant", "Grid congestion on business parks in Noord-Brabant",
     "provincie-noord-brabant", ["grid congestion", "energy transition"],
     """Hundreds of companies in Noord-Brabant are waiting for a grid connection or more
     capacity, which blocks both growth and the switch away from natural gas. The province
     wants to set up shared energy hubs on business parks, with smarter use of the existing
     grid and faster grid expansion. We are looking for people who know grid congestion,
     energy hubs and the spatial side of new substations, from municipalities, the region,
     the province and central government.""",
     [("grid congestion", 3, 2), ("energy hubs", 2, 1.5), ("spatial planning", 2, 0.5),
      ("stakeholder management", 2, 0.5)],
     ["PV30", "GM0772", "GM0855", "GM0758", "GM0794"], "MPNR", "bu", 5),
    ("hitte-ouderen-zuid-holland", "Heat-health action plans for older residents in Zuid-Holland",
     "ggd-rotterdam-rijnmond", ["heat stress", "public health", "climate adaptation"],
     """Heatwaves hit older people living alone hardest, and paved neighbourhoods in the
     big cities heat up the most. We want a shared heat-health approach for the region:
     warning and reaching vulnerable residents, cool spots, and greening the hottest
     streets. The team should combine public health, social support and urban water and
     green expertise, and include people who work directly with residents.""",
     [("heat stress", 3, 2), ("public health", 3, 1), ("social support act", 2, 1),
      ("green-blue infrastructure", 2, 0.5)],
     ["PV28", "GM0599", "GM0518", "GM0546"], "MRPW", "ufb", 6),
    ("asielopvang-gelderland", "Duurzame asielopvang en spreiding in Gelderland", "provincie-gelderland",
     ["asielopvang", "statushouders"],
     """Gelderland moet onder de Spreidingswet duizenden extra opvangplekken realiseren,
     liefst op kleinere, duurzame locaties in plaats van noodopvang. Tegelijk wachten
     veel statushouders in een azc op een woning. We zoeken een team dat locaties helpt
     vinden en inrichten, het gesprek met omwonenden voert en de doorstroom naar huisvesting
     versnelt, met gemeenten, provincie, COA en Rijk aan tafel.""",
     [("asielopvang", 3, 2), ("Spreidingswet", 2, 1), ("huisvesting statushouders", 3, 1.5),
      ("omgevingsmanagement", 2, 0.5)],
     ["PV25", "GM0202", "GM0268", "GM0200", "GM0228"], "MPNR", "ugf", 6),
    ("schulden-vroegsignalering-noord", "Early detection of problematic debt in Groningen and Drenthe",
     "gemeente-groningen", ["debt", "poverty"],
     """Rising energy and living costs push more households in the north into arrears.
     Municipalities want to detect payment problems earlier and reach people before debts
     pile up. The team will design a shared approach to early detection and outreach,
     including the legal and privacy side of sharing signals from landlords and utilities.""",
     [("debt counselling", 3, 2), ("early detection", 3, 1.5), ("income security", 2, 1),
      ("data protection", 2, 0.5)],
     ["GM0014", "GM0106", "GM0114", "PV20", "PV22"], "MNR", "fub", 5),
    ("jeugdzorg-hart-van-brabant", "Regionale uitvoering Hervormingsagenda Jeugd Hart van Brabant",
     "jeugdzorgregio-hart-van-brabant", ["jeugdzorg", "sociaal domein"],
     """De Hervormingsagenda Jeugd vraagt gemeenten om de jeugdhulp anders te organiseren:
     minder versnippering, sterkere lokale teams en regionale inkoop van specialistische
     zorg. De jeugdzorgregio Hart van Brabant zoekt een team dat de inkoop herziet, de
     toegang via wijkteams versterkt en de kosten beheersbaar houdt, zonder dat kinderen
     tussen wal en schip vallen.""",
     [("jeugdhulp", 3, 2), ("inkoop jeugdzorg", 3, 1.5), ("wijkteams", 2, 1), ("kostenbeheersing", 2, 0.5)],
     ["GM0855", "GM0796", "PV30"], "MRN", "ufb", 5),
    ("veenweide-fryslan", "Gebiedsprogramma Fryslân: stikstof, water en bodemdaling in de veenweide",
     "provincie-fryslan", ["stikstof", "veenweide", "landelijk gebied"],
     """In het Friese veenweidegebied komen stikstofreductie, natuurherstel, bodemdaling en
     waterpeilbeheer samen. De provincie wil met Wetterskip Fryslân, gemeenten, het Rijk en
     boeren een gebiedsgerichte aanpak die uitvoerbaar is voor agrariërs. We zoeken kennis van
     stikstof, veenweide en peilbeheer en ervaring met gebiedsprocessen.""",
     [("stikstofreductie", 3, 2), ("veenweide", 3, 1.5), ("gebiedsgerichte aanpak", 3, 1),
      ("peilbeheer", 2, 1), ("landbouwtransitie", 2, 1)],
     ["PV21", "GM1900", "GM0080", "WS0645"], "PWNM", "bug", 6),
    ("zoetwater-zeeland", "Zoetwatervoorziening en verzilting in Zeeland", "ws-scheldestromen",
     ["zoetwater", "droogte"],
     """Droge zomers en zoutindringing bedreigen landbouw en natuur in Zeeland. Waterschap,
     provincie, gemeenten en Rijkswaterstaat zoeken samen naar zoetwaterbuffers, slimmer
     grondwaterbeheer en keuzes in ruimtegebruik. The team needs hydrology, freshwater
     supply and salinisation expertise as well as people who can turn plans into projects.""",
     [("freshwater supply", 3, 2), ("salinisation", 3, 1.5), ("groundwater management", 2, 1),
      ("drought", 2, 1)],
     ["WS0661", "PV29", "GM0687", "GM0715"], "WPNM", "bu", 5),
    ("woo-informatiehuishouding", "Open government: proactive disclosure and records management",
     "min-bzk", ["open government", "information management"],
     """The Open Government Act asks every government body to publish information proactively,
     but many still struggle with basic records management. This challenge builds a shared,
     practical approach for ministries, provinces, municipalities and water boards: which
     documents to publish, how to archive them, and how to handle privacy.""",
     [("freedom of information", 3, 2), ("records management", 3, 1.5), ("GDPR", 2, 1),
      ("digital public services", 2, 0.5)],
     ["NL"], "NMPW", "ub", 5),
    ("warmtetransitie-overijssel", "Wijkgerichte warmtetransitie en energiearmoede in Zwolle en Deventer",
     "provincie-overijssel", ["warmtetransitie", "energiearmoede"],
     """Zwolle en Deventer willen wijk voor wijk van het aardgas af, maar veel bewoners
     kunnen isolatie of een warmtepomp niet betalen. De provincie Overijssel zoekt een team
     dat warmtenetten, isolatie en de aanpak van energiearmoede verbindt, met oog voor wat
     bewoners achter de voordeur nodig hebben.""",
     [("warmtetransitie", 3, 2), ("warmtenet", 2, 1), ("energy poverty", 2, 1.5), ("isolatie", 2, 1)],
     ["PV23", "GM0193", "GM0150"], "MPN", "ufb", 5),
    ("participatiewet-uitvoering", "Participatiewet in balans: uitvoerbaar maken in de praktijk",
     "min-szw", ["Participatiewet", "werk en inkomen"],
     """Het Rijk vereenvoudigt de Participatiewet, maar de uitvoering gebeurt bij gemeenten,
     werkbedrijven en UWV. We zoeken een team dat de nieuwe regels vertaalt naar de praktijk
     van klantmanagers en werkgevers, en knelpunten vroeg terugkoppelt naar het beleid.""",
     [("Participatiewet", 3, 2), ("reintegration", 2, 1), ("werkgeversdienstverlening", 2, 1),
      ("schuldhulpverlening", 2, 0.5)],
     ["NL"], "NMR", "ufb", 5),
    ("stroomuitval-utrecht", "Regional resilience to a multi-day power outage in Utrecht",
     "vr-utrecht", ["crisis management", "resilience"],
     """A power outage lasting several days would quickly affect drinking water, payments,
     home care and communication. The safety region wants municipalities, the province,
     central government and Defence to prepare together: emergency support points,
     care for affected residents and clear crisis communication.""",
     [("crisis management", 3, 2), ("societal resilience", 3, 1.5),
      ("care for affected residents", 2, 1), ("crisis communication", 2, 0.5)],
     ["PV26", "GM0344", "GM0307"], "RMNP", "ugf", 5),
]
