"""Water topics: waterveiligheid, waterkwaliteit (KRW), drinkwater (a near miss for
wateroverlast and droogte)."""
from common import S, topic, challenge

topic("flood-defence", "water",
      ["waterveiligheid", "dijkversterking", "waterbeheer"], ["flood protection", "flood risk management"],
      "W6 N3 P2 R1",
      [S("dike", ["dijkversterking", "dijkversterkingsprojecten", "waterkeringen"],
         ["dike reinforcement", "levee strengthening", "flood defences"], ["HWBP"],
         ["dijkversterkingen binnen het Hoogwaterbeschermingsprogramma", "het beheer van primaire waterkeringen"],
         ["reinforcing primary flood defences", "levee design and construction"]),
       S("river", ["rivierverruiming", "ruimte voor de rivier", "rivierbeheer"],
         ["river widening", "room for the river", "river management"], [],
         ["rivierverruiming langs de Waal en de Maas"],
         ["making room for the river along the Rhine branches"]),
       S("evac", ["overstromingsrisico", "evacuatieplanning hoogwater", "calamiteitenzorg water"],
         ["flood risk assessment", "flood evacuation planning", "high water emergency response"], [],
         ["evacuatieplannen bij hoogwater", "calamiteitenzorg bij dreigende overstromingen"],
         ["high water emergency response", "flood evacuation planning"]),
       ],
      ["projectmanager dijkversterking", "adviseur waterveiligheid", "beleidsadviseur waterkeringen"],
      ["flood defence engineer", "water safety advisor", "dike reinforcement project manager"],
      related=["crisis", "flooding"],
      national=["rijkswaterstaat", "min-ienw"], regional=["vr"], water_boards=True, persp="ub")

topic("water-quality", "water",
      ["waterkwaliteit", "Kaderrichtlijn Water", "waterbeheer"], ["water quality", "Water Framework Directive"],
      "W6 P3 N2",
      [S("krw", ["Kaderrichtlijn Water", "KRW-maatregelen", "waterkwaliteitsbeleid"],
         ["Water Framework Directive", "surface water quality"], ["KRW"],
         ["KRW-maatregelen om de waterkwaliteit op orde te brengen voor 2027"],
         ["meeting the Water Framework Directive targets by 2027"]),
       S("nutr", ["nutriëntenbelasting", "emissies naar oppervlaktewater", "gewasbeschermingsmiddelen in water"],
         ["nutrient pollution", "diffuse emissions", "pesticides in surface water"], [],
         ["het terugdringen van nutriënten en bestrijdingsmiddelen in sloten"],
         ["reducing nutrient and pesticide run-off"]),
       S("monitor", ["watermonitoring", "ecologische waterkwaliteit", "chemische waterkwaliteit"],
         ["water quality monitoring", "aquatic ecology"], [],
         ["het monitoren van ecologische en chemische waterkwaliteit"],
         ["monitoring aquatic ecology and chemistry"]),
       ],
      ["adviseur waterkwaliteit", "aquatisch ecoloog", "beleidsadviseur KRW"],
      ["water quality advisor", "aquatic ecologist"],
      related=["nitrogen", "agri-transition", "sewage"],
      national=["min-ienw", "rijkswaterstaat"], water_boards=True, persp="bu")

topic("drinking-water", "water",
      ["drinkwater", "drinkwatervoorziening", "drinkwaterbronnen"], ["drinking water", "water supply"],
      "P5 N3 M1",
      [S("supply", ["drinkwatervoorziening", "leveringszekerheid drinkwater", "waterbesparing"],
         ["drinking water supply", "security of water supply", "water demand management"], [],
         ["de leveringszekerheid van drinkwater", "waterbesparing bij huishoudens en bedrijven"],
         ["security of drinking water supply", "reducing household water demand"]),
       S("source", ["bescherming drinkwaterbronnen", "grondwaterbeschermingsgebieden", "drinkwaterwinning"],
         ["source water protection", "groundwater abstraction for drinking water"], [],
         ["grondwaterbeschermingsgebieden en nieuwe winningen"],
         ["protecting groundwater sources used for drinking water"]),
       ],
      ["beleidsadviseur drinkwater", "adviseur bodem en water"],
      ["drinking water policy advisor", "water supply planner"],
      related=["drought", "water-quality"],
      national=["min-ienw", "rivm"], persp="bu")

# ---------------------------------------------------------------- challenges
challenge("dijkversterking-rivierenland", "flood-defence", "nl",
          "Dijkversterking en rivierverruiming langs de Waal",
          """Waterschap Rivierenland versterkt de komende tien jaar tientallen kilometers dijk.
          Tegelijk vraagt de rivier meer ruimte. We zoeken mensen die dijkversterking,
          rivierverruiming en ruimtelijke inpassing met gemeenten en provincie combineren.""",
          ["waterveiligheid", "dijken"],
          [("dijkversterking", "dike", 3, 2.0), ("rivierverruiming", "river", 2, 1.0)],
          ["WS0621", "PV25", "GM0268"], "WNP", "ub", 6, "ws-rivierenland",
          related=[("omgevingswet", "plan")])

challenge("flood-evacuation", "flood-defence", "en",
          "Preparing for a major river flood",
          """What if the dikes fail? Safety regions, water boards and Rijkswaterstaat want a
          shared plan for mass evacuation during high water, including communication with
          residents and vulnerable groups.""",
          ["flood risk", "crisis management"],
          [("overstromingsrisico", "evac", 3, 2.0), ("crisisbeheersing", None, 2, 1.0)],
          ["PV25", "PV28", "NL"], "WRN", "ubg", 6, "rijkswaterstaat",
          related=[("crisis", "crisis"), ("crisis", "comms")])

challenge("krw-2027", "water-quality", "mixed",
          "KRW 2027: water quality targets within reach",
          """Nederland haalt de doelen van de Kaderrichtlijn Water in 2027 waarschijnlijk niet.
          Water boards and provinces need extra measures against nutrient and pesticide
          emissions, with better monitoring. Kennis van waterkwaliteit en landbouwemissies
          is gewenst.""",
          ["waterkwaliteit", "water quality"],
          [("Water Framework Directive", "krw", 3, 2.0), ("nutriënten", "nutr", 2, 1.5),
           ("monitoring", "monitor", 2, 0.5)],
          ["NL", "PV30", "PV25"], "WPN", "bu", 5, "min-ienw",
          related=[("agri-transition", "extens"), ("sewage", "wwtp")])

challenge("drinkwater-leveringszekerheid", "drinking-water", "nl",
          "Leveringszekerheid drinkwater na 2030",
          """De vraag naar drinkwater groeit terwijl bronnen onder druk staan. Provincies
          zoeken nieuwe winlocaties, betere bronbescherming en afspraken over waterbesparing
          met gemeenten en drinkwaterbedrijven.""",
          ["drinkwater"],
          [("drinkwatervoorziening", "supply", 3, 2.0), ("bronbescherming", "source", 2, 1.5)],
          ["PV26", "PV27", "PV28"], "PNM", "bu", 4, "provincie-zuid-holland",
          related=[("drought", "gw")])
