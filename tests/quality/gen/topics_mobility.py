"""Mobility: openbaar vervoer, verkeersveiligheid, bereikbaarheid (traffic congestion,
a near miss for netcongestie), schone mobiliteit en laadinfrastructuur."""
from common import S, topic, challenge

topic("public-transport", "mobiliteit",
      ["openbaar vervoer", "mobiliteit", "OV"], ["public transport", "mobility"],
      "P5 M3 R4 N2",
      [S("conc", ["OV-concessies", "concessiebeheer", "aanbesteding openbaar vervoer"],
         ["public transport tendering", "bus concessions"], ["OV"],
         ["het beheer en de aanbesteding van busconcessies"],
         ["tendering and managing regional bus concessions"]),
       S("rural", ["kleinschalig vervoer", "doelgroepenvervoer", "buurtbus"],
         ["demand-responsive transport", "rural mobility", "community transport"], [],
         ["doelgroepenvervoer en vervoer in dunbevolkte gebieden"],
         ["demand-responsive transport in rural areas"]),
       S("hub", ["mobiliteitshubs", "knooppuntontwikkeling", "deelmobiliteit"],
         ["mobility hubs", "transit-oriented development", "shared mobility"], ["TOD"],
         ["mobiliteitshubs en deelmobiliteit", "verstedelijking rond OV-knooppunten"],
         ["transit-oriented development around stations"]),
       ],
      ["concessiemanager OV", "beleidsadviseur mobiliteit", "adviseur openbaar vervoer"],
      ["public transport planner", "mobility policy advisor"],
      related=["road", "housing-build"],
      national=["min-ienw"], regional=["metro"], persp="bu")

topic("traffic-safety", "mobiliteit",
      ["verkeersveiligheid", "mobiliteit"], ["road safety", "traffic safety"],
      "M5 P3 N2 R1",
      [S("plan", ["verkeersveiligheidsbeleid", "risicogestuurd verkeersveiligheidsbeleid",
                  "Strategisch Plan Verkeersveiligheid"],
         ["road safety policy", "Vision Zero"], ["SPV"],
         ["risicogestuurd verkeersveiligheidsbeleid", "het Strategisch Plan Verkeersveiligheid"],
         ["risk-based road safety planning", "Vision Zero strategies"]),
       S("design", ["verkeerskundig ontwerp", "30 km/u-inrichting", "fietsveiligheid"],
         ["traffic engineering", "safe street design", "cycling safety"], [],
         ["veilige inrichting van wegen en fietspaden", "de invoering van 30 km/u in de bebouwde kom"],
         ["designing safer streets and cycle lanes"]),
       ],
      ["verkeerskundige", "beleidsadviseur verkeersveiligheid", "verkeersveiligheidscoördinator"],
      ["traffic engineer", "road safety officer"],
      related=["road"], national=["min-ienw", "rijkswaterstaat"], persp="ub")

topic("road", "mobiliteit",
      ["bereikbaarheid", "mobiliteit", "wegen"], ["accessibility", "traffic congestion"],
      "P4 N4 M3 R2",
      [S("traffic", ["verkeersmanagement", "filebestrijding", "verkeerscongestie"],
         ["traffic management", "traffic congestion relief", "road congestion"], [],
         ["verkeersmanagement en het terugdringen van files", "spitsmijden met werkgevers"],
         ["reducing traffic jams and peak-hour congestion"]),
       S("mirt", ["MIRT-verkenningen", "wegprojecten", "infrastructuurplanning"],
         ["road infrastructure planning", "transport investment appraisal"], ["MIRT"],
         ["MIRT-verkenningen voor rijkswegen"],
         ["appraisal of national road projects"]),
       S("smart", ["smart mobility", "mobiliteitsdata", "intelligente verkeerslichten"],
         ["smart mobility", "traffic data", "intelligent transport systems"], ["ITS"],
         ["slimme verkeerslichten en mobiliteitsdata"],
         ["intelligent transport systems and traffic data"]),
       ],
      ["adviseur bereikbaarheid", "verkeersmanager", "projectmanager infrastructuur"],
      ["traffic manager", "road infrastructure planner", "smart mobility lead"],
      related=["public-transport", "traffic-safety"],
      national=["rijkswaterstaat", "min-ienw"], regional=["metro"], persp="ub")

topic("clean-mobility", "mobiliteit",
      ["schone mobiliteit", "laadinfrastructuur", "zero-emissie"], ["zero-emission transport",
                                                                   "EV charging"],
      "M5 P3 N2 R2",
      [S("charge", ["laadinfrastructuur", "laadpalen", "laadpaalplaatsing"],
         ["EV charging infrastructure", "charging points"], ["NAL"],
         ["de uitrol van publieke laadpalen", "laadpleinen en slim laden"],
         ["rolling out public EV charging points"]),
       S("zez", ["zero-emissiezones", "stadslogistiek", "emissievrije bevoorrading"],
         ["zero-emission zones", "urban freight", "city logistics"], ["ZE"],
         ["zero-emissiezones voor stadslogistiek"],
         ["zero-emission zones for urban freight"]),
       ],
      ["projectleider laadinfrastructuur", "adviseur duurzame mobiliteit"],
      ["EV charging programme manager", "clean transport advisor"],
      related=["grid", "road"],
      national=["min-ienw", "rvo"], regional=["metro"], persp="ub")

# ---------------------------------------------------------------- challenges
challenge("ov-platteland-drenthe", "public-transport", "nl",
          "Bereikbaar platteland: openbaar vervoer in Drenthe",
          """Buslijnen in kleine kernen verdwijnen. Provincie en gemeenten willen het openbaar
          vervoer vernieuwen met mobiliteitshubs, doelgroepenvervoer en een nieuwe concessie.""",
          ["openbaar vervoer", "mobiliteit"],
          [("openbaar vervoer", "conc", 3, 2.0), ("doelgroepenvervoer", "rural", 2, 1.5),
           ("hubs", "hub", 2, 1.0)],
          ["PV22", "GM0106", "GM0114"], "PMR", "bu", 5, "provincie-drenthe",
          related=[("road", "smart")])

challenge("vision-zero-cycling", "traffic-safety", "en",
          "Vision Zero for cyclists in Utrecht",
          """Cyclist fatalities are rising, especially among older people on e-bikes. Utrecht,
          the province and the ministry want a risk-based road safety plan and safer street
          design, including 30 km/h as the default speed.""",
          ["road safety", "cycling"],
          [("verkeersveiligheid", "plan", 3, 2.0), ("verkeerskundig ontwerp", "design", 2, 1.5)],
          ["GM0344", "PV26"], "MPN", "ub", 4, "gemeente-utrecht",
          related=[("road", "traffic")])

challenge("files-a12", "road", "nl",
          "Minder files op de A12 door slim verkeersmanagement",
          """De A12 tussen Utrecht en Den Haag staat dagelijks vast. Rijkswaterstaat, provincie
          en werkgevers zoeken slimme oplossingen: verkeersmanagement, spitsmijden en betere
          verkeersdata, in afwachting van MIRT-investeringen.""",
          ["bereikbaarheid", "mobiliteit"],
          [("verkeerscongestie", "traffic", 3, 2.0), ("smart mobility", "smart", 2, 1.0)],
          ["PV26", "PV28"], "NPM", "ub", 5, "rijkswaterstaat",
          related=[("public-transport", "hub")])

challenge("laadpalen-netcongestie", "clean-mobility", "mixed",
          "Charging points and the grid: slim laden in Utrecht",
          """Utrecht wil tienduizenden laadpalen plaatsen, maar het stroomnet raakt vol.
          The challenge combines the roll-out of charging infrastructure with smart charging
          and cooperation with the grid operator.""",
          ["laadinfrastructuur", "zero-emission transport"],
          [("charging infrastructure", "charge", 3, 2.0)],
          ["GM0344", "PV26"], "MPR", "ub", 4, "gemeente-utrecht",
          related=[("grid", "hub"), ("grid", "cong")])
