"""Digital government: privacy (AVG), Woo en informatiehuishouding,
informatiebeveiliging, data en algoritmes."""
from common import S, topic, challenge

topic("privacy", "digitale overheid",
      ["privacy", "gegevensbescherming", "digitale overheid"], ["data protection", "privacy"],
      "M5 N3 P2 R2 W1",
      [S("gdpr", ["AVG-compliance", "privacyrecht", "gegevensbescherming"],
         ["GDPR compliance", "data protection law", "privacy law"], ["AVG", "GDPR"],
         ["naleving van de Algemene verordening gegevensbescherming", "privacyvraagstukken in het sociaal domein"],
         ["compliance with the General Data Protection Regulation", "privacy questions in social services"]),
       S("dpia", ["DPIA's", "privacy impact assessments", "gegevensdeling sociaal domein"],
         ["data protection impact assessment", "data sharing agreements"], ["DPIA"],
         ["DPIA's en afspraken over gegevensdeling"],
         ["data protection impact assessments", "lawful data sharing between agencies"]),
       S("fg", ["functionaris gegevensbescherming", "privacy officer"],
         ["data protection officer"], ["FG", "DPO"],
         ["toezicht als functionaris gegevensbescherming"],
         ["acting as data protection officer"]),
       ],
      ["privacy officer", "functionaris gegevensbescherming", "jurist privacy", "adviseur gegevensbescherming"],
      ["privacy officer", "data protection officer", "privacy counsel"],
      related=["infosec", "data-ai", "woo"],
      national=["min-bzk", "min-jenv"], regional=["ggd", "vr"], persp="bu")

topic("woo", "digitale overheid",
      ["Woo", "openbaarheid", "informatiehuishouding"], ["open government", "records management"],
      "M5 N4 P2 R1",
      [S("woo", ["Woo-verzoeken", "Wet open overheid", "actieve openbaarmaking", "Wob-verzoeken"],
         ["freedom of information requests", "open government act", "proactive disclosure"], ["Woo", "Wob"],
         ["het afhandelen van Woo-verzoeken", "actieve openbaarmaking van documenten"],
         ["handling freedom of information requests", "proactive publication of government documents"]),
       S("records", ["informatiehuishouding", "archivering", "recordmanagement", "archiefwet"],
         ["records management", "archiving", "information governance"], [],
         ["de informatiehuishouding en digitale archivering", "duurzame toegankelijkheid van archieven"],
         ["records management and digital archiving"]),
       ],
      ["Woo-coördinator", "adviseur informatiehuishouding", "archivaris", "jurist openbaarheid"],
      ["FOI officer", "records manager", "information governance advisor"],
      related=["privacy"], national=["min-bzk", "nationaal-archief"], persp="ub")

topic("infosec", "digitale overheid",
      ["informatiebeveiliging", "cybersecurity", "digitale overheid"], ["information security", "cyber security"],
      "M5 N3 P2 R1 W2",
      [S("bio", ["informatiebeveiliging", "Baseline Informatiebeveiliging Overheid", "ISMS"],
         ["information security management", "security baseline compliance"], ["BIO", "CISO"],
         ["de Baseline Informatiebeveiliging Overheid", "risicomanagement op informatiebeveiliging"],
         ["information security management for government", "security risk management"]),
       S("cyber", ["cyberweerbaarheid", "incidentrespons", "ransomware-paraatheid"],
         ["cyber resilience", "incident response", "ransomware preparedness"], ["CERT", "NIS2"],
         ["cyberweerbaarheid en incidentrespons", "voorbereiding op NIS2"],
         ["cyber incident response", "NIS2 readiness"]),
       ],
      ["CISO", "security officer", "adviseur informatiebeveiliging"],
      ["chief information security officer", "security analyst"],
      related=["privacy", "crisis"], national=["min-bzk", "min-jenv", "nctv"], persp="ub")

topic("data-ai", "digitale overheid",
      ["data", "algoritmes", "digitale overheid"], ["data", "algorithms", "AI"],
      "M4 N4 P2 R1",
      [S("algo", ["algoritmeregister", "verantwoorde inzet algoritmes", "algoritmetoezicht"],
         ["algorithm governance", "responsible AI", "AI ethics"], ["IAMA"],
         ["het algoritmeregister en de verantwoorde inzet van algoritmes"],
         ["governing the responsible use of algorithms and AI"]),
       S("data", ["datagedreven werken", "data-analyse", "datastrategie"],
         ["data analytics", "data strategy", "business intelligence"], [],
         ["datagedreven werken en dashboards voor beleid"],
         ["data analytics for policy making"]),
       S("aiact", ["AI-verordening", "generatieve AI"],
         ["EU AI Act", "generative AI"], [],
         ["de gevolgen van de AI-verordening voor overheden"],
         ["preparing public bodies for the EU AI Act"]),
       ],
      ["data-analist", "adviseur data en algoritmes", "datastrateeg"],
      ["data scientist", "AI policy advisor", "data analyst"],
      related=["privacy"], national=["min-bzk", "cbs"], persp="ub")

# ---------------------------------------------------------------- challenges
challenge("avg-gegevensdeling-sociaal-domein", "privacy", "nl",
          "AVG-proof gegevensdeling in het sociaal domein",
          """Wijkteams, GGD en gemeenten willen informatie delen om multiprobleemhuishoudens
          beter te helpen, maar lopen tegen de AVG aan. We zoeken privacyspecialisten die
          DPIA's opstellen en werkbare afspraken over gegevensdeling maken.""",
          ["privacy", "sociaal domein"],
          [("AVG", "gdpr", 3, 2.0), ("DPIA", "dpia", 2, 1.5)],
          ["PV26", "GM0344"], "MRN", "bu", 4, "gemeente-utrecht",
          related=[("infosec", "bio")])

challenge("gdpr-officers-network", "privacy", "en",
          "A shared data protection officer for small water boards and regions",
          """Small public bodies struggle to staff a data protection officer. This challenge sets
          up a shared DPO function with privacy by design and GDPR training for staff.""",
          ["data protection"],
          [("functionaris gegevensbescherming", "fg", 3, 2.0), ("privacy", "gdpr", 2, 1.0)],
          ["NL"], "WRM", "bu", 3, "ws-hdsr",
          related=[("infosec", "bio")])

challenge("woo-achterstanden", "woo", "mixed",
          "Open government: Woo backlog and information management",
          """Many municipalities cannot handle Woo-verzoeken within the legal deadline. Oorzaak
          is vaak een gebrekkige informatiehuishouding. The team helps to clear backlogs and
          structurally improve records management.""",
          ["Woo", "open government"],
          [("freedom of information", "woo", 3, 2.0), ("informatiehuishouding", "records", 2, 1.5)],
          ["NL"], "MNP", "ub", 5, "min-bzk",
          related=[("privacy", "gdpr")])

challenge("ransomware-gemeenten", "infosec", "nl",
          "Cyberweerbaarheid van gemeenten",
          """Na meerdere ransomware-aanvallen op gemeenten willen VNG, Rijk en veiligheidsregio's
          de cyberweerbaarheid vergroten: incidentrespons, oefenen en de BIO op orde.""",
          ["informatiebeveiliging", "cybersecurity"],
          [("cybersecurity", "cyber", 3, 2.0), ("BIO", "bio", 2, 1.0)],
          ["NL"], "MNR", "ub", 5, "min-bzk",
          related=[("crisis", "crisis")])

challenge("algoritmes-uitkeringen", "data-ai", "en",
          "Responsible algorithms in benefit services",
          """After the childcare benefits scandal, public bodies must prove that their
          algorithms are fair. This challenge builds an algorithm register, human rights
          impact assessments and data quality checks for social services.""",
          ["algorithms", "AI"],
          [("algoritmes", "algo", 3, 2.0), ("data analysis", "data", 2, 1.0)],
          ["NL"], "NM", "bu", 4, "min-bzk",
          related=[("privacy", "dpia")])
