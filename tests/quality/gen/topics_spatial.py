"""Physical living environment: Omgevingswet, omgevingsdienst (VTH), circulaire
economie; plus a challenge for gemeentefinanciën (a near miss for schulden)."""
from common import S, topic, challenge

topic("omgevingswet", "fysieke leefomgeving",
      ["Omgevingswet", "ruimtelijke ordening", "fysieke leefomgeving"], ["spatial planning", "environment and planning act"],
      "M6 P3 N2 R1",
      [S("plan", ["omgevingsvisie", "omgevingsplan", "ruimtelijke planvorming", "omgevingsprogramma"],
         ["spatial planning", "land-use plans", "environmental vision"], ["Ow"],
         ["het opstellen van de omgevingsvisie en het omgevingsplan", "ruimtelijke afwegingen in het omgevingsplan"],
         ["drafting the municipal environment plan", "integrated land-use planning"]),
       S("impl", ["implementatie Omgevingswet", "Digitaal Stelsel Omgevingswet", "vergunningverlening omgevingswet"],
         ["implementation of the Environment and Planning Act", "digital planning system"], ["DSO"],
         ["de invoering van de Omgevingswet en het DSO", "werkprocessen voor vergunningen onder de nieuwe wet"],
         ["implementing the Environment and Planning Act", "the digital system for permits"]),
       S("part", ["participatie ruimtelijke projecten", "omgevingsgesprek", "burgerparticipatie"],
         ["public participation in planning", "stakeholder engagement"], [],
         ["participatie van inwoners bij ruimtelijke projecten"],
         ["public participation in spatial projects"]),
       ],
      ["planoloog", "adviseur omgevingswet", "juridisch adviseur ruimtelijke ordening", "stedenbouwkundige"],
      ["spatial planner", "planning law advisor", "urban planner"],
      related=["housing-build", "environment-enforcement"],
      national=["min-vro", "min-bzk"], regional=["od"], persp="bu")

topic("environment-enforcement", "fysieke leefomgeving",
      ["omgevingsdienst", "vergunningverlening toezicht en handhaving", "milieu"],
      ["environmental enforcement", "environmental permitting"],
      "R6 M2 P3",
      [S("vth", ["vergunningverlening, toezicht en handhaving", "milieuhandhaving", "milieutoezicht"],
         ["environmental inspection", "permitting and enforcement", "environmental compliance"], ["VTH"],
         ["toezicht en handhaving bij milieubelastende bedrijven", "de VTH-taken van de omgevingsdienst"],
         ["inspecting and enforcing environmental permits at industrial sites"]),
       S("ext", ["externe veiligheid", "Brzo-toezicht", "risicovolle bedrijven"],
         ["major hazard control", "external safety", "Seveso sites"], ["Brzo"],
         ["toezicht op Brzo-bedrijven en externe veiligheid"],
         ["supervising Seveso major hazard sites"]),
       S("soil", ["bodemsanering", "bodemkwaliteit", "PFAS"],
         ["soil remediation", "soil contamination", "PFAS pollution"], [],
         ["bodemsanering en PFAS-vervuiling"],
         ["soil contamination and PFAS"]),
       ],
      ["toezichthouder milieu", "handhaver", "vergunningverlener milieu", "adviseur externe veiligheid"],
      ["environmental inspector", "permitting officer", "soil specialist"],
      related=["omgevingswet", "nitrogen", "undermining"],
      national=["min-ienw", "rivm"], regional=["od"], persp="uf")

topic("circular", "economie",
      ["circulaire economie", "afval", "grondstoffen"], ["circular economy", "waste"],
      "M5 P3 N3 R1",
      [S("waste", ["afvalbeleid", "afvalscheiding", "grondstoffenbeleid", "inzameling huishoudelijk afval"],
         ["waste management", "recycling", "household waste collection"], [],
         ["afvalscheiding en de inzameling van huishoudelijk afval", "minder restafval per inwoner"],
         ["household waste collection and recycling rates"]),
       S("procure", ["circulair inkopen", "maatschappelijk verantwoord inkopen", "circulair opdrachtgeverschap"],
         ["circular procurement", "sustainable public procurement"], ["MVI"],
         ["circulair inkopen bij grond-, weg- en waterbouw", "maatschappelijk verantwoord inkopen"],
         ["circular and sustainable public procurement"]),
       S("build", ["circulair bouwen", "hergebruik bouwmaterialen", "biobased bouwen"],
         ["circular construction", "bio-based building materials", "material reuse"], [],
         ["circulair en biobased bouwen", "hergebruik van materialen bij sloop"],
         ["circular and bio-based construction"]),
       ],
      ["adviseur circulaire economie", "beleidsmedewerker afval", "inkoopadviseur duurzaamheid"],
      ["circular economy advisor", "waste policy officer", "sustainable procurement advisor"],
      related=["housing-build", "environment-enforcement"],
      national=["min-ienw", "rvo", "rijkswaterstaat"], persp="bu")

# ---------------------------------------------------------------- challenges
challenge("omgevingsplan-2032", "omgevingswet", "nl",
          "Eén omgevingsplan voor Nijmegen",
          """Onder de Omgevingswet moeten gemeenten vóór 2032 één omgevingsplan hebben. Nijmegen
          wil dit samen met de omgevingsdienst en provincie opstellen, met echte participatie
          van inwoners.""",
          ["Omgevingswet", "ruimtelijke ordening"],
          [("omgevingsplan", "plan", 3, 2.0), ("participatie", "part", 2, 1.0)],
          ["GM0268", "PV25"], "MRP", "bu", 5, "gemeente-nijmegen",
          related=[("environment-enforcement", "vth")])

challenge("environment-act-permits", "omgevingswet", "en",
          "Making the Environment and Planning Act work for permits",
          """Since the Environment and Planning Act entered into force, permit procedures and the
          digital system cause delays. Municipalities, environmental services and the ministry
          want to fix the workflows together.""",
          ["spatial planning", "permits"],
          [("Omgevingswet", "impl", 3, 2.0), ("VTH", None, 2, 1.0)],
          ["NL"], "MRN", "ub", 5, "min-vro",
          related=[("environment-enforcement", "vth")])

challenge("pfas-toezicht", "environment-enforcement", "mixed",
          "PFAS and major hazard sites: toezicht op orde",
          """Rond Dordrecht en in het Rijnmondgebied zijn hoge PFAS-concentraties gemeten. The
          environmental services want stronger inspection of industrial permits, bodemonderzoek
          en betere samenwerking met GGD en provincie.""",
          ["milieu", "environmental enforcement"],
          [("milieuhandhaving", "vth", 3, 2.0), ("soil contamination", "soil", 2, 1.5),
           ("Brzo", "ext", 2, 1.0)],
          ["GM0505", "GM0599", "PV28"], "RPM", "uf", 5, "dcmr",
          related=[("public-health", "envhealth")])

challenge("circulair-inkopen-gww", "circular", "nl",
          "Circulair inkopen in de grond-, weg- en waterbouw",
          """Overheden kopen jaarlijks voor miljarden in. Rijkswaterstaat, provincies en
          gemeenten willen samen circulair inkopen standaard maken en circulair bouwen
          stimuleren.""",
          ["circulaire economie", "inkoop"],
          [("circulair inkopen", "procure", 3, 2.0), ("circulair bouwen", "build", 2, 1.0)],
          ["NL"], "NPM", "bu", 5, "rijkswaterstaat",
          related=[])

challenge("waste-separation-highrise", "circular", "en",
          "Better waste separation in high-rise neighbourhoods",
          """Recycling rates in high-rise districts of Amsterdam, Rotterdam and The Hague lag far
          behind. The cities want to redesign waste collection and reduce residual waste.""",
          ["waste", "circular economy"],
          [("afvalscheiding", "waste", 3, 2.0)],
          ["GM0363", "GM0599", "GM0518"], "M", "uf", 4, "gemeente-amsterdam",
          related=[])

challenge("gemeentefinancien-ravijnjaar", "municipal-finance", "nl",
          "Financiële houdbaarheid van gemeenten na 2026",
          """Door het ravijnjaar dreigen tekorten op de begroting van veel gemeenten. Rijk en
          gemeenten zoeken samen naar een stabiele financiering via het gemeentefonds en een
          realistische meerjarenbegroting.""",
          ["gemeentefinanciën", "begroting"],
          [("gemeentefonds", "fund", 3, 2.0), ("meerjarenbegroting", "budget", 2, 1.0)],
          ["NL"], "MNP", "bg", 4, "min-bzk",
          related=[])
