"""Energy topics: warmtetransitie, RES (wind en zon), netcongestie, energiearmoede."""
from common import S, topic, challenge

topic("heat", "energie",
      ["warmtetransitie", "energietransitie", "aardgasvrij"], ["heat transition", "energy transition"],
      "M6 P2 N2",
      [S("plan", ["warmtetransitieplan", "transitievisie warmte", "wijkuitvoeringsplannen",
                  "warmteplanning"],
         ["heat transition planning", "heat planning", "neighbourhood heat plans"], ["TVW"],
         ["de transitievisie warmte en wijkuitvoeringsplannen",
          "het wijk-voor-wijk aardgasvrij maken van de gemeente"],
         ["planning the move away from natural gas neighbourhood by neighbourhood",
          "municipal heat transition plans"]),
       S("network", ["warmtenetten", "collectieve warmtevoorziening", "warmtebedrijf",
                     "Wet collectieve warmte"],
         ["district heating", "heat networks", "collective heat supply"], [],
         ["de ontwikkeling van warmtenetten met een publiek warmtebedrijf",
          "collectieve warmte en restwarmte uit de haven"],
         ["developing district heating networks", "public ownership of heat networks"]),
       S("nhood", ["aardgasvrije wijken", "wijkaanpak aardgasvrij", "proeftuin aardgasvrije wijken"],
         ["natural-gas-free neighbourhoods", "gas-free districts"], ["PAW"],
         ["bewonersparticipatie in aardgasvrije wijken", "proeftuinen aardgasvrije wijken"],
         ["resident engagement in gas-free neighbourhood pilots"]),
       S("sources", ["aquathermie", "geothermie", "warmtebronnen"],
         ["aquathermal energy", "geothermal heat", "heat sources"], ["TEO"],
         ["aquathermie en geothermie als warmtebron", "warmtebronnen in kaart brengen"],
         ["mapping geothermal and aquathermal heat sources"]),
       ],
      ["beleidsadviseur warmtetransitie", "projectleider aardgasvrije wijken",
       "programmamanager warmte", "adviseur energietransitie"],
      ["heat transition advisor", "district heating project manager", "energy transition officer"],
      related=["res", "grid", "energy-poverty"],
      national=["min-ezk", "min-bzk", "rvo"], persp="bug")

topic("res", "energie",
      ["RES", "regionale energiestrategie", "energietransitie", "duurzame energie"],
      ["renewable energy", "energy transition"],
      "M4 P3 R3 N1",
      [S("wind", ["windenergie op land", "windparken", "zonneparken", "zon op dak"],
         ["onshore wind", "solar farms", "renewable generation siting"], [],
         ["de ruimtelijke inpassing van windturbines en zonneparken",
          "zoekgebieden voor wind en zon"],
         ["siting wind turbines and solar parks", "search areas for renewable generation"]),
       S("own", ["lokaal eigendom", "energiecoöperaties", "omgevingsparticipatie energieprojecten"],
         ["community energy", "local ownership of renewables", "energy cooperatives"], [],
         ["50% lokaal eigendom van duurzame opwek", "samenwerking met energiecoöperaties"],
         ["community ownership of wind and solar projects"]),
       S("strategy", ["regionale energiestrategie", "RES-coördinatie", "RES 2.0"],
         ["regional energy strategy", "regional renewable energy planning"], ["RES"],
         ["het opstellen van de regionale energiestrategie", "bestuurlijke afstemming in de RES-regio"],
         ["coordinating a regional energy strategy across municipalities"]),
       ],
      ["RES-coördinator", "projectleider duurzame opwek", "adviseur energietransitie",
       "programmasecretaris RES"],
      ["renewable energy project manager", "regional energy strategy coordinator"],
      related=["grid", "heat", "nature"],
      national=["min-ezk", "rvo"], regional=["res"], persp="bgu")

topic("grid", "energie",
      ["netcongestie", "energie-infrastructuur", "energietransitie"],
      ["grid congestion", "electricity grid capacity"],
      "P4 M3 N3 R1",
      [S("cong", ["netcongestie", "netcongestiemanagement", "transportschaarste",
                  "capaciteitsknelpunten elektriciteitsnet"],
         ["grid congestion management", "grid capacity constraints"], [],
         ["de aanpak van netcongestie met netbeheerders",
          "wachtrijen voor aansluitingen op het stroomnet"],
         ["tackling electricity grid congestion with network operators",
          "connection queues on the power grid"]),
       S("hub", ["energiehubs", "flexibel netgebruik", "batterijopslag"],
         ["energy hubs", "grid flexibility", "battery storage", "demand response"], [],
         ["energiehubs op bedrijventerreinen", "opslag en flexibel netgebruik"],
         ["energy hubs on business parks", "battery storage and flexible grid use"]),
       S("pmie", ["energie-infrastructuurplanning", "programmering energie-infrastructuur"],
         ["energy infrastructure planning", "grid investment planning"], ["PMIEK"],
         ["de provinciale programmering van energie-infrastructuur"],
         ["provincial energy infrastructure programming"]),
       ],
      ["adviseur energie-infrastructuur", "programmamanager netcongestie", "beleidsmedewerker energie"],
      ["grid congestion programme manager", "energy infrastructure advisor"],
      related=["res", "heat"],
      national=["min-ezk", "rvo"], regional=["metro"], persp="bug")

topic("energy-poverty", "energie",
      ["energiearmoede", "energiebesparing", "energietransitie"], ["energy poverty", "home insulation"],
      "M6 N1 R1",
      [S("insul", ["isolatieaanpak", "woningisolatie", "Nationaal Isolatieprogramma"],
         ["home insulation", "retrofit programmes", "insulation schemes"], ["NIP"],
         ["het isoleren van slecht geïsoleerde huurwoningen", "de lokale isolatieaanpak"],
         ["insulating poorly insulated rented homes"]),
       S("coach", ["energiecoaches", "energiefixers", "energieloket"],
         ["energy advice for households", "energy coaching"], [],
         ["energiecoaches aan de keukentafel", "het energieloket voor huishoudens"],
         ["energy coaches visiting low-income households"]),
       S("eap", ["energiearmoede", "energietoeslag", "energiefonds"],
         ["energy poverty policy", "fuel poverty"], [],
         ["beleid tegen energiearmoede", "het gericht bereiken van kwetsbare huishoudens met hoge energielasten"],
         ["fuel poverty among low-income households"]),
       ],
      ["projectleider energiearmoede", "beleidsadviseur duurzaamheid", "energiecoach"],
      ["energy poverty project lead", "sustainability advisor"],
      related=["poverty", "heat"],
      national=["min-ezk", "min-szw"], persp="ufb")

# ---------------------------------------------------------------- challenges
challenge("warmtetransitie-wijken", "heat", "nl",
          "Van transitievisie naar uitvoering: warmte in de wijk",
          """Gemeenten hebben een transitievisie warmte, maar de uitvoering per wijk loopt
          vast. Deze opgave brengt gemeenten, provincie en Rijk samen om wijkuitvoeringsplannen
          en warmtenetten te realiseren, met oog voor bewoners en betaalbaarheid.""",
          ["warmtetransitie", "energietransitie"],
          [("warmtetransitie", "plan", 3, 2.0), ("warmtenet", "network", 2, 1.5)],
          ["PV25", "GM0202", "GM0268"], "MPN", "bug", 6, "provincie-gelderland",
          related=[("energy-poverty", "insul"), ("grid", "cong")])

challenge("district-heating-public", "heat", "en",
          "Public district heating company for the Rotterdam-The Hague region",
          """The new collective heat act asks for public majority ownership of heat networks.
          This team designs a regional public heat company, from governance to heat sources
          such as residual heat and geothermal energy.""",
          ["heat transition", "district heating"],
          [("district heating", "network", 3, 2.0), ("geothermal", "sources", 2, 1.0)],
          ["PV28", "GM0599", "GM0518"], "MPN", "gbu", 5, "mrdh",
          related=[("grid", "hub")])

challenge("res-zon-wind-brabant", "res", "mixed",
          "RES 2.0: ruimte voor wind en zon in Zuidoost-Brabant",
          """De RES-regio Metropoolregio Eindhoven moet nieuwe zoekgebieden voor windturbines
          en zonneparken vastleggen. Local ownership and resident participation are key.
          Gevraagd: kennis van windenergie, lokaal eigendom en regionale afstemming.""",
          ["RES", "duurzame energie"],
          [("wind en zon", "wind", 3, 2.0), ("community energy", "own", 2, 1.0),
           ("RES", "strategy", 2, 1.0)],
          ["PV30", "GM0772"], "MPR", "bgu", 6, "res-mre",
          related=[("grid", "cong"), ("nature", "n2000")])

challenge("netcongestie-bedrijventerreinen", "grid", "nl",
          "Netcongestie op bedrijventerreinen",
          """Bedrijven in Noord-Holland krijgen geen nieuwe aansluiting op het stroomnet.
          Provincie, gemeenten en netbeheerder willen energiehubs en flexibel netgebruik
          versnellen en de energie-infrastructuur beter programmeren.""",
          ["netcongestie", "energie"],
          [("netcongestie", "cong", 3, 2.0), ("energiehub", "hub", 2, 1.5),
           ("energie-infrastructuur", "pmie", 2, 1.0)],
          ["PV27"], "PMN", "bu", 5, "provincie-noord-holland",
          related=[("res", "wind")])

challenge("energy-poverty-insulation", "energy-poverty", "en",
          "Reaching households in energy poverty",
          """About half a million households spend too much of their income on energy. The
          challenge is to combine an insulation scheme for rented homes with energy coaching
          and income support so that the most vulnerable households are actually reached.""",
          ["energy poverty"],
          [("energy poverty", "eap", 3, 2.0), ("insulation", "insul", 2, 1.5),
           ("energy coaching", "coach", 2, 1.0)],
          ["NL"], "MN", "ufb", 5, "min-ezk",
          related=[("poverty", "minima"), ("heat", "nhood")])
