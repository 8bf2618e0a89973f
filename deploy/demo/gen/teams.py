"""Task teams: completed ones with lessons learned, active ones, one forming.

Members are given as selectors, resolved against the generated experts by
resolve() (deterministically):

  "=expert-id"                   a curated expert;
  "profile@org~keyword"          a generated expert of that profile made for
                                 this slot: at that organisation, with the
                                 skill group containing `keyword` as primary
                                 skill, and (in ACTIVE and FORMING teams)
                                 enough available hours.
"""

from common import squash

# (id, display name, owner, state, themes, regions, description, lessons,
#  [(selector, role, hours)])
TEAMS = [
    ("woondeal-u16-2022", "Woondeal regio U16 2022-2024", "provincie-utrecht", "COMPLETED",
     ["woningbouw", "volkshuisvesting", "woondeal"], ["PV26", "GM0344", "GM0356", "GM0321", "GM0355"],
     """Uitwerking en eerste uitvoering van de woondeal tussen Rijk, provincie Utrecht en de
     U16-gemeenten: afspraken over aantallen, betaalbaarheid en locaties, en een
     gezamenlijke aanpak van knelpunten bij grote woningbouwlocaties.""",
     """Plancapaciteit van 130 procent bleek nodig: ongeveer een derde van de plannen valt af
     of vertraagt. Netcongestie en stikstof kwamen te laat in beeld; neem netbeheerder en
     omgevingsdienst vanaf de start mee. De maandelijkse monitor van bouwstarts per locatie
     gaf het kernteam een gedeelde werkelijkheid en maakte bestuurlijke escalatie snel en
     feitelijk.""",
     [("=ingrid-zwart", "voorzitter kernteam", 4), ("=annelies-verkerk", "trekker gemeente Utrecht", 4),
      ("=tom-verheul", "rijksregisseur", 4),
      ("woningbouw@gemeente-nieuwegein~woningbouwprogrammering", "woningbouw U16-gemeenten", 2),
      ("omgevingswet@gemeente-houten~omgevingsplan", "planprocedures", 2),
      ("=eline-groenewoud", "data en monitoring", 2)]),
    ("flexwonen-regio-amersfoort", "Flexwonen voor spoedzoekers regio Amersfoort",
     "gemeente-amersfoort", "COMPLETED",
     ["flexwonen", "woningbouw", "statushouders"], ["GM0307", "PV26"],
     """Pilot met 300 tijdelijke woningen voor spoedzoekers, studenten en statushouders op
     drie locaties, met een woningcorporatie als eigenaar en de gemeente als regisseur.""",
     """Gemengd wonen werkt alleen met actief beheer en een vaste huismeester op de locatie.
     Een tijdelijke omgevingsvergunning voor vijftien jaar maakte de businesscase van de
     corporatie rond, een kortere termijn niet. Begin de dialoog met de buurt voordat de
     locatiekeuze wordt gepubliceerd.""",
     [("woningbouw@gemeente-amersfoort~flexwonen", "projectleider", 6),
      ("=karim-el-idrissi", "grond en locaties", 4),
      ("=femke-rietveld", "kennis transformatie en flexwonen", 2),
      ("sociaal-wonen@gemeente-amersfoort~woonruimteverdeling", "woonruimteverdeling", 2),
      ("woningbouw@min-vro~tijdelijke woningen", "Rijk: flexpools", 2),
      ("asiel@coa~statushouders", "statushouders", 2)]),
    ("res-rotterdam-den-haag", "RES 1.0 regio Rotterdam Den Haag", "res-rotterdam-den-haag",
     "COMPLETED", ["energietransitie", "RES", "wind en zon"], ["PV28", "GM0599", "GM0518"],
     """Opstellen van de eerste regionale energiestrategie: zoekgebieden voor wind en zon,
     de regionale structuur warmte, en afspraken over participatie en lokaal eigendom.""",
     """The 2030 target was met on paper quickly, but many search areas for wind turbines
     stalled on local resistance and grid capacity. Agreeing early on 50 percent local
     ownership and a neighbourhood fund reduced opposition far more than extra
     visualisations did. Put the grid operator at the table from the start, not as an
     afterthought.""",
     [("res@res-rotterdam-den-haag~regionale energiestrategie", "programmamanager", 8),
      ("res@provincie-zuid-holland~windenergie", "provincie", 4),
      ("res@min-kgg~lokaal eigendom", "Rijk", 2),
      ("res@gemeente-den-haag~participatie", "participatie", 2),
      ("omgevingswet@gemeente-rotterdam~ruimtelijke ordening", "ruimtelijke inpassing", 2)]),
    ("wateroverlast-limburg-2021", "Herstel en klimaatadaptatie na de wateroverlast in Limburg",
     "provincie-limburg", "COMPLETED", ["wateroverlast", "klimaatadaptatie", "crisisbeheersing"],
     ["PV31", "GM0935", "GM0917", "WS0665"],
     """Na de extreme regenval van juli 2021 in Zuid-Limburg: schadeafhandeling, herstel en
     een gezamenlijk plan om het stroomgebied van de Geul en de Maas beter voor te bereiden
     op nieuwe extreme neerslag.""",
     """Snelle, ruimhartige schadeafhandeling via één loket hield het vertrouwen van inwoners
     vast; versnipperde regelingen ondermijnden dat juist. De Maas en haar zijbeken vragen
     om één stroomgebiedsaanpak, ook over de grens met België en Duitsland.
     Hoogwaterinformatie moet in gewone taal bij bewoners landen, niet alleen bij de
     crisisorganisatie.""",
     [("klimaatadaptatie@ws-limburg~wateroverlast", "waterschap", 6),
      ("klimaatadaptatie@provincie-limburg~klimaatadaptatie", "provincie", 4),
      ("waterveiligheid@rijkswaterstaat~rivierbeheer", "Maas en hoogwater", 4),
      ("veiligheid@vr-zuid-limburg~bevolkingszorg", "crisisbeheersing en nazorg", 2),
      ("klimaatadaptatie@gemeente-maastricht~wateroverlast", "gemeente", 4)]),
    ("opvang-oekraine-gelderland", "Opvang ontheemden uit Oekraïne Gelderland 2022-2023",
     "vr-gelderland-midden", "COMPLETED", ["opvang Oekraïners", "asielopvang", "crisisbeheersing"],
     ["PV25", "GM0202", "GM0268", "GM0228"],
     """Regionale coördinatie van de opvang van ontheemden uit Oekraïne: plekken, registratie,
     onderwijs, zorg en toeleiding naar werk, eerst in crisisstructuur en later regulier.""",
     """Veiligheidsregio's organiseerden in weken duizenden plekken, maar de overgang van
     crisisstructuur naar reguliere gemeentelijke opvang duurde te lang. Werk vanaf dag één
     met één regionale registratie van plekken en bewoners. Snelle toegang tot werk hielp
     de integratie enorm, ook voor het draagvlak rond de locaties.""",
     [("asiel@gemeente-arnhem~Oekraïners", "gemeente Arnhem", 6),
      ("asiel@gemeente-nijmegen~Oekraïners", "gemeente Nijmegen", 4),
      ("veiligheid@vr-gelderland-midden~bevolkingszorg", "crisiscoördinatie", 6),
      ("asiel@coa~asielopvang", "opvangexpertise", 2),
      ("publieke-gezondheid@ggd-gelderland-zuid~publieke gezondheid", "GGD", 2),
      ("arbeidsmarkt@uwv~re-integratie", "werk", 2)]),
    ("vroegsignalering-rotterdam", "Vroegsignalering schulden Rotterdam", "gemeente-rotterdam",
     "COMPLETED", ["schuldhulpverlening", "vroegsignalering", "armoede"], ["GM0599", "PV28"],
     """Opschalen van vroegsignalering van betalingsachterstanden (huur, energie, water,
     zorgverzekering) naar de hele stad, met outreachende hulp binnen twee weken.""",
     """Signals from housing associations, energy suppliers and health insurers only help
     when someone knocks on the door within two weeks. A clear legal basis in the debt
     counselling act and a DPIA agreed up front with the privacy officer avoided months of
     discussion. Measure outreach results, not just the number of signals received.""",
     [("schulden@gemeente-rotterdam~vroegsignalering", "trekker", 8),
      ("schulden@gemeente-rotterdam~schuldhulpverlening", "uitvoering", 4),
      ("schulden@min-szw~Wet gemeentelijke", "Rijk", 2),
      ("digitalisering@gemeente-rotterdam~AVG", "privacy en data", 2),
      ("sociaal-wonen@gemeente-rotterdam~prestatieafspraken", "woningcorporaties", 2)]),
    ("jeugdhulp-inkoop-twente", "Regionale inkoop specialistische jeugdhulp Twente",
     "jeugdzorgregio-twente", "COMPLETED", ["jeugdzorg", "inkoop jeugdhulp"], ["GM0153", "PV23"],
     """Nieuwe inkoopstrategie voor specialistische jeugdhulp in de veertien Twentse
     gemeenten, in lijn met de Hervormingsagenda Jeugd.""",
     """Open house contracting brought in too many providers to steer on quality; moving to
     fewer long-term partners with a population-based budget gave both stability and
     cost control. Keep local neighbourhood teams in charge of access, or costs drift to
     specialist care. Share waiting-list data monthly across municipalities.""",
     [("jeugdzorg@jeugdzorgregio-twente~inkoop", "regiomanager", 8),
      ("jeugdzorg@gemeente-enschede~wijkteams", "gemeente", 4),
      ("jeugdzorg@min-vws~Hervormingsagenda", "Rijk", 2),
      ("financien@gemeente-enschede~begroting", "financiën", 2)]),
    ("gebiedsproces-gelderse-vallei", "Gebiedsproces stikstof Gelderse Vallei",
     "provincie-gelderland", "ACTIVE", ["stikstof", "landelijk gebied", "natuurherstel"],
     ["PV25", "GM0228", "GM0289", "WS0662"],
     """Gebiedsproces rond de Veluwe en de Gelderse Vallei: stikstofreductie, natuurherstel,
     water- en bodemdoelen en toekomstperspectief voor boeren.""",
     """Keukentafelgesprekken met individuele boeren leveren meer op dan grote
     informatieavonden. Onzekerheid over rijksbeleid en vergunningverlening is de grootste
     rem; de provincie kan die niet alleen wegnemen. Koppel stikstofreductie expliciet aan
     water- en bodemdoelen, anders moeten boeren twee keer aan tafel.""",
     [("stikstof@provincie-gelderland~gebiedsprocessen", "gebiedsregisseur", 8),
      ("stikstof@regio-foodvalley~landbouwtransitie", "regio Foodvalley", 4),
      ("stikstof@gemeente-ede~keukentafel", "gemeente", 2),
      ("stikstof@min-lvvn~NPLG", "Rijk", 4), ("=wim-oosterveld", "handhaafbaarheid", 2),
      ("droogte@ws-vallei-en-veluwe~grondwater", "waterschap", 2)]),
]
