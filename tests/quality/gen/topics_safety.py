"""Safety and health: crisisbeheersing (veiligheidsregio), ondermijning, publieke
gezondheid (GGD)."""
from common import S, topic, challenge

topic("crisis", "veiligheid",
      ["crisisbeheersing", "veiligheidsregio", "veiligheid"], ["crisis management", "emergency management"],
      "R6 M3 N2 P1 W1",
      [S("crisis", ["crisisbeheersing", "crisisorganisatie", "rampenbestrijding", "GRIP-structuur"],
         ["crisis management", "emergency planning", "disaster response"], ["GRIP", "VR"],
         ["de regionale crisisorganisatie en rampenbestrijding", "opschaling volgens GRIP"],
         ["regional emergency planning and disaster response"]),
       S("exercise", ["oefenen crisisteams", "vakbekwaamheid crisisfunctionarissen", "crisisoefeningen"],
         ["crisis exercises", "emergency response training"], [],
         ["het trainen en oefenen van crisisteams"],
         ["training and exercising crisis teams"]),
       S("comms", ["crisiscommunicatie", "risicocommunicatie", "NL-Alert"],
         ["crisis communication", "public warning"], [],
         ["crisiscommunicatie en NL-Alert", "risicocommunicatie naar inwoners"],
         ["crisis communication and public warning systems"]),
       S("fire", ["brandweerzorg", "brandveiligheid", "risicobeheersing brandweer"],
         ["fire safety", "fire service risk management"], [],
         ["brandveiligheid en risicobeheersing bij de brandweer"],
         ["fire safety and fire service risk management"]),
       ],
      ["adviseur crisisbeheersing", "crisiscoördinator", "officier van dienst bevolkingszorg",
       "adviseur risicobeheersing"],
      ["emergency management advisor", "crisis coordinator", "fire safety officer"],
      related=["flood-defence", "public-health", "infosec"],
      national=["min-jenv", "nctv"], regional=["vr"], persp="ufg")

topic("undermining", "veiligheid",
      ["ondermijning", "openbare orde en veiligheid", "veiligheid"], ["organised crime", "public order"],
      "M5 R3 N2",
      [S("bibob", ["Bibob-onderzoeken", "bestuurlijke aanpak ondermijning", "integriteitstoetsing vergunningen"],
         ["administrative approach to organised crime", "integrity screening of permits"], ["Bibob", "RIEC"],
         ["Bibob-toetsen en de bestuurlijke aanpak van ondermijning"],
         ["screening permit applicants for criminal involvement"]),
       S("drugs", ["drugscriminaliteit", "drugslabs", "ondermijnende criminaliteit buitengebied"],
         ["drug crime", "drug labs", "organised crime in rural areas"], [],
         ["de aanpak van drugslabs en dumpingen in het buitengebied"],
         ["tackling drug labs and dumping in rural areas"]),
       S("ioov", ["integrale veiligheid", "openbare orde", "integraal veiligheidsplan"],
         ["community safety", "public order policy"], ["OOV", "IVP"],
         ["integraal veiligheidsbeleid en openbare orde"],
         ["community safety planning and public order"]),
       ],
      ["adviseur openbare orde en veiligheid", "Bibob-coördinator", "programmamanager ondermijning"],
      ["community safety advisor", "organised crime programme lead"],
      related=["labour-migration", "environment-enforcement"],
      national=["min-jenv"], regional=["riec"], persp="ubg")

topic("public-health", "gezondheid",
      ["publieke gezondheid", "GGD", "preventie", "gezondheid"], ["public health", "prevention"],
      "R6 M3 N3",
      [S("infect", ["infectieziektebestrijding", "bron- en contactonderzoek", "pandemische paraatheid"],
         ["infectious disease control", "contact tracing", "pandemic preparedness"], [],
         ["infectieziektebestrijding en pandemische paraatheid"],
         ["infectious disease control and pandemic preparedness"]),
       S("prev", ["preventie", "gezondheidsbevordering", "leefstijlinterventies", "gezondheidsachterstanden"],
         ["health promotion", "prevention programmes", "health inequalities"], ["GALA", "JOGG"],
         ["gezondheidsbevordering in achterstandswijken", "preventieakkoorden met gemeenten"],
         ["health promotion in deprived neighbourhoods", "reducing health inequalities"]),
       S("envhealth", ["medische milieukunde", "gezondheid en milieu", "luchtkwaliteit en gezondheid"],
         ["environmental health", "air quality and health"], ["MMK"],
         ["medische milieukunde en luchtkwaliteit"],
         ["environmental health risks such as air pollution"]),
       S("mental", ["mentale gezondheid", "suïcidepreventie", "psychische gezondheid"],
         ["mental health promotion", "suicide prevention"], ["GGZ"],
         ["mentale gezondheid en suïcidepreventie"],
         ["mental health promotion and suicide prevention"]),
       ],
      ["arts infectieziektebestrijding", "beleidsadviseur publieke gezondheid",
       "epidemioloog", "gezondheidsbevorderaar"],
      ["public health physician", "health promotion officer", "epidemiologist"],
      related=["heat-stress", "youth-care", "crisis"],
      national=["rivm", "min-vws"], regional=["ggd"], persp="ubf")

# ---------------------------------------------------------------- challenges
challenge("crisisorganisatie-langdurige-crises", "crisis", "nl",
          "Crisisbeheersing bij langdurige crises",
          """De veiligheidsregio's zijn ingericht op korte incidenten, maar crises als een
          pandemie, droogte of langdurige stroomuitval vragen iets anders. De opgave is een
          crisisorganisatie die maanden kan volhouden, met goede crisiscommunicatie.""",
          ["crisisbeheersing", "veiligheid"],
          [("crisisbeheersing", "crisis", 3, 2.0), ("crisiscommunicatie", "comms", 2, 1.0),
           ("oefenen", "exercise", 2, 0.5)],
          ["NL"], "RNM", "ugb", 6, "vr-utrecht",
          related=[("public-health", "infect"), ("infosec", "cyber")])

challenge("power-outage-preparedness", "crisis", "en",
          "Preparing for a long power outage",
          """What happens when the power is out for three days? Safety regions want scenarios,
          exercises and public warning plans for a prolonged blackout, together with grid
          operators and municipalities.""",
          ["emergency management", "crisis"],
          [("emergency planning", "crisis", 3, 2.0), ("crisis exercises", "exercise", 2, 1.0)],
          ["PV30", "PV31"], "RMN", "ug", 5, "vr-brabant-zuidoost",
          related=[("grid", "cong")])

challenge("drugslabs-buitengebied", "undermining", "nl",
          "Ondermijning in het buitengebied van Brabant",
          """Leegstaande stallen worden gebruikt voor drugslabs en er wordt chemisch afval
          gedumpt. Gemeenten, RIEC en provincie willen een bestuurlijke aanpak met
          Bibob-toetsing en betere signalering.""",
          ["ondermijning", "veiligheid"],
          [("ondermijning", "drugs", 3, 2.0), ("Bibob", "bibob", 2, 1.5)],
          ["PV30", "GM0855", "GM0758"], "MRP", "ubg", 5, "riec-zuid-nederland",
          related=[("environment-enforcement", "vth"), ("agri-transition", "earn")])

challenge("ggd-gezondheidsachterstanden", "public-health", "mixed",
          "Gezondheidsachterstanden: healthy neighbourhoods in Heerlen",
          """In Parkstad leven mensen met een laag inkomen gemiddeld jaren korter in goede
          gezondheid. GGD Zuid Limburg and the municipalities want a prevention programme
          targeting lifestyle, mental health and the living environment.""",
          ["publieke gezondheid", "prevention"],
          [("health promotion", "prev", 3, 2.0), ("mentale gezondheid", "mental", 2, 1.0)],
          ["GM0917", "PV31"], "RMN", "ubf", 5, "ggd-zuid-limburg",
          related=[("poverty", "minima"), ("heat-stress", "green")])

challenge("pandemic-preparedness", "public-health", "en",
          "Pandemic preparedness for municipal health services",
          """After COVID-19, GGDs must be able to scale up testing, contact tracing and
          vaccination within weeks. We seek infectious disease specialists and crisis managers
          to design a scalable response.""",
          ["public health", "pandemic"],
          [("infectieziektebestrijding", "infect", 3, 2.0)],
          ["NL"], "RN", "ub", 5, "rivm",
          related=[("crisis", "crisis")])
