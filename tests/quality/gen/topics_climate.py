"""Climate adaptation topics: wateroverlast, hittestress, droogte, riolering."""
from common import S, topic, challenge

topic("flooding", "klimaatadaptatie",
      ["klimaatadaptatie", "wateroverlast", "ruimtelijke adaptatie"],
      ["climate adaptation", "pluvial flooding"],
      "M4 W4 P2 N1",
      [S("rain", ["hemelwaterbeheer", "wateroverlast", "regenwaterberging", "klimaatbestendig inrichten"],
         ["stormwater management", "pluvial flood risk", "rainwater retention"], [],
         ["het voorkomen van wateroverlast bij extreme buien", "hemelwaterberging in de openbare ruimte"],
         ["reducing flood risk from cloudbursts", "stormwater retention in public space"]),
       S("stress", ["klimaatstresstest", "risicodialoog", "klimaatadaptatiestrategie"],
         ["climate stress testing", "climate risk dialogue"], ["DPRA"],
         ["stresstesten en risicodialogen volgens het Deltaplan Ruimtelijke Adaptatie"],
         ["climate stress tests and risk dialogues under the Delta Plan on Spatial Adaptation"]),
       S("sponge", ["sponswerking", "wadi's", "groenblauwe dooradering"],
         ["sponge city", "nature-based drainage", "blue-green infrastructure"], [],
         ["groenblauwe inrichting van wijken", "wadi's en waterpleinen"],
         ["blue-green infrastructure and water squares"]),
       ],
      ["adviseur klimaatadaptatie", "projectleider ruimtelijke adaptatie", "beleidsadviseur water"],
      ["climate adaptation advisor", "water and climate resilience officer"],
      related=["sewage", "heat-stress", "drought"],
      national=["min-ienw", "rijkswaterstaat"], water_boards=True, persp="bu")

topic("heat-stress", "klimaatadaptatie",
      ["hittestress", "klimaatadaptatie", "vergroening"], ["heat stress", "urban heat"],
      "M5 R2 P1 N1",
      [S("heatplan", ["hitteplan", "hitteactieplan", "hittebestendige stad"],
         ["heat action plan", "heatwave preparedness", "urban heat island mitigation"], [],
         ["een hitteplan voor kwetsbare ouderen", "koele plekken in de stad"],
         ["heatwave plans for vulnerable residents", "cool spots in the city"]),
       S("green", ["vergroening openbare ruimte", "stedelijk groen", "boomstructuurvisie"],
         ["urban greening", "tree canopy", "green public space"], [],
         ["meer bomen en schaduw in versteende wijken", "vergroening van schoolpleinen"],
         ["increasing tree canopy in paved neighbourhoods"]),
       ],
      ["adviseur hittestress", "beleidsadviseur groen", "ecoloog openbare ruimte"],
      ["urban heat advisor", "green infrastructure officer"],
      related=["flooding", "public-health"],
      national=["min-ienw", "rivm"], regional=["ggd"], persp="bu")

topic("drought", "klimaatadaptatie",
      ["droogte", "zoetwater", "grondwater"], ["drought", "freshwater supply"],
      "W5 P4 N2 M1",
      [S("gw", ["grondwaterbeheer", "grondwaterstanden", "peilbeheer"],
         ["groundwater management", "water level management"], [],
         ["grondwaterstanden op de hoge zandgronden", "peilbeheer in droge zomers"],
         ["groundwater levels on sandy soils", "managing water levels in dry summers"]),
       S("fresh", ["zoetwatervoorziening", "waterverdeling bij droogte", "verdringingsreeks"],
         ["freshwater allocation", "drought water allocation"], [],
         ["de zoetwatervoorziening en waterverdeling bij droogte"],
         ["allocating fresh water during drought"]),
       S("retain", ["water vasthouden", "sponswerking landschap", "beekherstel"],
         ["water retention in the landscape", "stream restoration"], [],
         ["water langer vasthouden in het landschap", "het herstel van beken"],
         ["keeping rainwater in the landscape for longer"]),
       ],
      ["hydroloog", "adviseur watersysteem", "beleidsadviseur grondwater"],
      ["hydrologist", "groundwater policy advisor", "water systems advisor"],
      related=["drinking-water", "agri-transition", "nature"],
      national=["min-ienw", "rijkswaterstaat"], water_boards=True, persp="bu")

topic("sewage", "water",
      ["riolering", "afvalwater", "waterketen"], ["sewerage", "wastewater"],
      "M4 W5 N1",
      [S("sewer", ["rioleringsbeheer", "gemeentelijk rioleringsplan", "rioolvervanging"],
         ["sewer asset management", "sewer replacement"], ["GRP"],
         ["het gemeentelijk rioleringsplan en rioolvervanging"],
         ["sewer asset management and renewal"]),
       S("wwtp", ["afvalwaterzuivering", "rioolwaterzuivering", "zuiveringsbeheer"],
         ["wastewater treatment", "treatment plant operations"], ["RWZI"],
         ["het beheer van rioolwaterzuiveringen", "verwijdering van medicijnresten uit afvalwater"],
         ["operating wastewater treatment plants", "removing pharmaceuticals from wastewater"]),
       ],
      ["rioleringsbeheerder", "technoloog afvalwaterketen", "adviseur waterketen"],
      ["wastewater engineer", "sewer asset manager"],
      related=["flooding", "water-quality"],
      national=["min-ienw"], water_boards=True, persp="u")

# ---------------------------------------------------------------- challenges
challenge("wateroverlast-extreme-buien", "flooding", "nl",
          "Klimaatbestendige wijken tegen wateroverlast",
          """Na de extreme buien van afgelopen zomer stonden kelders en tunnels in Den Haag en
          Delft onder water. Gemeenten en hoogheemraadschap willen wijken klimaatbestendig
          inrichten: meer waterberging, sponswerking en een risicodialoog met bewoners.""",
          ["klimaatadaptatie", "wateroverlast"],
          [("wateroverlast", "rain", 3, 2.0), ("sponswerking", "sponge", 2, 1.0),
           ("risicodialoog", "stress", 2, 1.0)],
          ["GM0518", "GM0503", "WS0539", "PV28"], "MWP", "bu", 6, "gemeente-den-haag",
          related=[("sewage", "sewer"), ("heat-stress", "green")])

challenge("heat-resilient-cities", "heat-stress", "en",
          "Heat-resilient neighbourhoods for older residents",
          """Heatwaves are getting longer and hit older people in stony neighbourhoods hardest.
          Amsterdam, the GGD and the province want a joint heat plan and a greening programme
          that creates shade where vulnerable people live.""",
          ["heat stress", "climate adaptation"],
          [("hittestress", "heatplan", 3, 2.0), ("vergroening", "green", 2, 1.0)],
          ["GM0363", "PV27"], "MRP", "buf", 5, "gemeente-amsterdam",
          related=[("public-health", "prev"), ("flooding", "sponge")])

challenge("droogte-zandgronden", "drought", "nl",
          "Droogte op de hoge zandgronden",
          """Op de zandgronden van Oost-Brabant en Limburg dalen de grondwaterstanden. De
          opgave is water langer vasthouden, de zoetwaterverdeling in droge perioden
          herzien en afspraken maken met landbouw en drinkwaterbedrijven.""",
          ["droogte", "klimaatadaptatie"],
          [("droogte", "fresh", 3, 1.5), ("grondwater", "gw", 3, 2.0),
           ("water vasthouden", "retain", 2, 1.0)],
          ["PV30", "PV31", "WS0654"], "WPN", "bu", 6, "ws-aa-en-maas",
          related=[("agri-transition", "extens"), ("drinking-water", "source")])

challenge("afvalwater-medicijnresten", "sewage", "en",
          "Pharmaceutical residues in wastewater",
          """Residues of medicines pass through treatment plants into rivers. Water boards
          and the ministry want to upgrade wastewater treatment with an extra purification
          step and agree on funding with drinking water companies and the healthcare sector.""",
          ["wastewater", "water quality"],
          [("RWZI", "wwtp", 3, 2.0)],
          ["NL"], "WN", "ub", 4, "min-ienw",
          related=[("water-quality", "krw"), ("drinking-water", "source")])
