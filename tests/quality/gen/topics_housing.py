"""Housing topics: woningbouw, sociale huur, dakloosheid, wonen en zorg."""
from common import S, topic, challenge

topic("housing-build", "wonen",
      ["woningbouw", "volkshuisvesting", "wonen"], ["housing", "housing supply"],
      "M6 P3 N2 R1",
      [S("prog", ["woningbouwprogrammering", "woningbouwopgave", "woningbouwversnelling",
                  "woningbouwplanning"],
         ["housing delivery", "housebuilding acceleration", "housing programme management"],
         [],
         ["het versnellen van woningbouwprojecten", "de regionale woningbouwopgave",
          "sturing op de planvoorraad nieuwbouwwoningen", "woondeals tussen Rijk en regio"],
         ["speeding up the construction of new homes", "the regional housebuilding pipeline",
          "regional housing deals between central government and municipalities"]),
       S("land", ["grondbeleid", "grondexploitatie", "actief grondbeleid"],
         ["land policy", "land development finance", "public land banking"], ["GREX"],
         ["grondexploitaties voor nieuwe woonwijken", "strategische grondaankopen"],
         ["land development calculations for new residential districts",
          "strategic land acquisition for homes"]),
       S("flex", ["flexwonen", "tijdelijke woningen", "transformatie kantoren naar woningen"],
         ["temporary housing", "modular homes", "office-to-residential conversion"], [],
         ["flexwoningen voor spoedzoekers", "het transformeren van leegstaande kantoren"],
         ["flexible modular homes for urgent home seekers", "converting vacant offices into homes"]),
       S("permit", ["planprocedures woningbouw", "bestemmingsplannen wonen", "bouwvergunningverlening"],
         ["planning consent for housing", "residential permitting"], [],
         ["snellere planprocedures voor nieuwbouw", "het vergunnen van woningbouwlocaties"],
         ["faster planning procedures for new housing sites"]),
       ],
      ["beleidsadviseur wonen", "projectleider woningbouw", "programmamanager woningbouw",
       "adviseur grondzaken", "accountmanager woondeal"],
      ["housing policy advisor", "housing project lead", "housing programme manager",
       "land development advisor"],
      related=["social-housing", "omgevingswet", "integration"],
      national=["min-vro", "min-bzk"], regional=["metro"], persp="bug")

topic("social-housing", "wonen",
      ["sociale huur", "volkshuisvesting", "betaalbaar wonen"], ["social housing", "affordable housing"],
      "M6 P1 N2",
      [S("perf", ["prestatieafspraken", "prestatieafspraken woningcorporaties",
                  "corporatiesamenwerking"],
         ["performance agreements with housing associations", "housing association relations"], [],
         ["prestatieafspraken met woningcorporaties en huurdersorganisaties",
          "jaarlijkse afspraken over de sociale voorraad"],
         ["annual performance agreements with housing associations and tenant bodies"]),
       S("afford", ["betaalbaarheid wonen", "huurbeleid", "middenhuur", "woonlastenbeleid"],
         ["housing affordability", "rent regulation", "mid-market rental"], [],
         ["betaalbare huur en middenhuur", "de regulering van huurprijzen"],
         ["affordable and mid-market rents", "rent regulation and housing costs"]),
       S("alloc", ["woonruimteverdeling", "urgentieregeling", "huisvestingsverordening"],
         ["housing allocation", "urgent housing need schemes"], [],
         ["woonruimteverdeling en urgentieregelingen", "de huisvestingsverordening"],
         ["allocation of social rented homes", "priority schemes for urgent home seekers"]),
       ],
      ["beleidsadviseur volkshuisvesting", "adviseur wonen", "relatiemanager corporaties"],
      ["social housing advisor", "housing policy officer", "housing association liaison"],
      related=["housing-build", "homelessness", "poverty"],
      national=["min-vro", "min-bzk"], persp="bug")

topic("homelessness", "wonen",
      ["dakloosheid", "maatschappelijke opvang", "wonen"], ["homelessness", "rough sleeping"],
      "M6 N1 R1",
      [S("hf", ["Housing First", "dak- en thuislozenzorg", "daklozenopvang"],
         ["homeless services", "housing-led approach", "Housing First"], [],
         ["de aanpak dak- en thuisloosheid", "doorstroom uit de maatschappelijke opvang"],
         ["tackling homelessness with a housing-led approach", "moving people out of shelters"]),
       S("outreach", ["bemoeizorg", "veldwerk dak- en thuislozen", "straatteam"],
         ["street outreach", "assertive outreach work"], [],
         ["bemoeizorg en outreachend werken op straat", "het straatteam voor daklozen"],
         ["street outreach with rough sleepers", "assertive outreach"]),
       S("bw", ["beschermd wonen", "begeleid wonen", "doordecentralisatie beschermd wonen"],
         ["supported housing", "sheltered accommodation"], [],
         ["beschermd wonen en de uitstroom naar zelfstandig wonen"],
         ["supported housing for people with mental health needs"]),
       ],
      ["beleidsmedewerker maatschappelijke opvang", "casusregisseur dakloosheid", "straatcoach"],
      ["homelessness policy officer", "outreach coordinator", "shelter programme lead"],
      related=["wmo", "debt", "social-housing"],
      national=["min-vws"], regional=["ggd"], persp="fub")

topic("housing-care", "wonen",
      ["wonen en zorg", "ouderenhuisvesting", "volkshuisvesting"], ["housing for older people",
                                                                     "ageing in place"],
      "M5 P1 N1",
      [S("senior", ["ouderenhuisvesting", "seniorenwoningen", "woonzorgvisie", "levensloopbestendig wonen"],
         ["senior housing", "age-friendly housing", "ageing in place"], [],
         ["een woonzorgvisie voor de vergrijzende bevolking", "geclusterde woonvormen voor ouderen"],
         ["housing for an ageing population", "clustered living arrangements for older people"]),
       S("adapt", ["woningaanpassingen", "langer thuis wonen"],
         ["home adaptations", "independent living support"], [],
         ["woningaanpassingen zodat ouderen langer thuis kunnen wonen"],
         ["home adaptations that let older residents stay at home"]),
       ],
      ["beleidsadviseur wonen en zorg", "programmaleider langer thuis"],
      ["housing and care advisor", "ageing in place programme lead"],
      related=["wmo", "housing-build", "social-housing"],
      national=["min-vws", "min-vro"], persp="bu")

# ---------------------------------------------------------------- challenges
challenge("woningbouw-utrecht", "housing-build", "nl",
          "Versnelling woningbouw regio Utrecht",
          """De regio Utrecht moet tot 2030 ruim 60.000 woningen bouwen. Gemeenten, provincie en
          Rijk zoeken samen naar manieren om de planvoorraad sneller om te zetten in
          bouwstarts. We zoeken mensen met ervaring in woningbouwprogrammering en actief
          grondbeleid.""",
          ["woningbouw", "volkshuisvesting"],
          [("woningbouw", "prog", 3, 2.0), ("grondbeleid", "land", 3, 1.0)],
          ["PV26", "GM0344"], "MPN", "bug", 6, "provincie-utrecht",
          related=[("omgevingswet", "plan"), ("social-housing", "perf")])

challenge("flexwonen-spoedzoekers", "housing-build", "en",
          "Temporary homes for urgent home seekers",
          """Many municipalities need flexible, temporary homes for urgent home seekers,
          students and refugees with a residence permit. This challenge builds a shared
          approach to modular housing and the conversion of empty offices, including
          procurement and permits.""",
          ["housing"],
          [("flexible housing", "flex", 3, 2.0), ("office conversion", "flex", 2, 1.0),
           ("permitting", "permit", 2, 0.5)],
          ["NL"], "MNP", "ub", 5, "min-vro",
          related=[("integration", "house")])

challenge("prestatieafspraken-rotterdam", "social-housing", "mixed",
          "Social housing: prestatieafspraken 2026-2030 Rotterdam",
          """Gemeente Rotterdam wil nieuwe prestatieafspraken maken met corporaties en
          huurders. The aim is a larger affordable stock and fair allocation. We zoeken
          kennis van sociale huur, betaalbaarheid en woonruimteverdeling.""",
          ["social housing", "sociale huur"],
          [("social housing", "perf", 3, 2.0), ("woonruimteverdeling", "alloc", 2, 1.0),
           ("betaalbaarheid", "afford", 2, 1.0)],
          ["GM0599", "PV28"], "MN", "bg", 5, "gemeente-rotterdam",
          related=[("housing-build", "prog")])

challenge("housing-first-groningen", "homelessness", "en",
          "Ending homelessness with Housing First in Groningen",
          """Groningen wants to halve the number of homeless people by 2030. We are looking
          for people who have implemented Housing First, do street outreach or organise
          supported housing, and who can link this to debt support and care.""",
          ["homelessness", "dakloosheid"],
          [("Housing First", "hf", 3, 2.0), ("outreach", "outreach", 2, 1.0),
           ("supported housing", "bw", 2, 1.0)],
          ["GM0014", "PV20"], "MRN", "fub", 6, "gemeente-groningen",
          related=[("wmo", "access"), ("debt", "early")])

challenge("wonen-zorg-ouderen", "housing-care", "nl",
          "Woonzorgvisie: langer zelfstandig wonen voor ouderen",
          """Het aantal 75-plussers verdubbelt de komende twintig jaar. Gemeenten in
          Zuid-Limburg maken een gezamenlijke woonzorgvisie met nieuwe woonvormen voor
          senioren en snellere woningaanpassingen.""",
          ["wonen en zorg", "vergrijzing"],
          [("ouderenhuisvesting", "senior", 3, 2.0), ("woningaanpassing", "adapt", 2, 1.0)],
          ["PV31", "GM0935", "GM0917"], "MP", "bu", 4, "gemeente-maastricht",
          related=[("wmo", "support"), ("social-housing", "afford")])
