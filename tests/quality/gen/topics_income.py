"""Work and income: armoede, schuldhulpverlening, gemeentefinanciën (a near miss for
schulden), Participatiewet, arbeidsmarkt."""
from common import S, topic, challenge

topic("poverty", "werk en inkomen",
      ["armoede", "armoedebeleid", "bestaanszekerheid"], ["poverty", "income support"],
      "M6 N2 R1",
      [S("minima", ["minimabeleid", "armoederegelingen", "bijzondere bijstand", "inkomensondersteuning"],
         ["anti-poverty schemes", "low-income support", "means-tested benefits"], [],
         ["minimaregelingen en bijzondere bijstand", "het bereik van inkomensondersteunende regelingen"],
         ["improving take-up of low-income support schemes"]),
       S("child", ["kinderarmoede", "kindpakket", "jeugdfonds sport en cultuur"],
         ["child poverty", "support for children in low-income families"], [],
         ["de aanpak van kinderarmoede", "een kindpakket voor gezinnen met een laag inkomen"],
         ["reducing child poverty"]),
       S("nontake", ["niet-gebruik regelingen", "proactieve dienstverlening", "bestaanszekerheid"],
         ["benefit take-up", "proactive outreach to eligible households"], [],
         ["het terugdringen van niet-gebruik van toeslagen en regelingen"],
         ["proactive services that reduce non-take-up of benefits"]),
       ],
      ["beleidsadviseur armoede", "beleidsmedewerker inkomen", "klantmanager inkomen"],
      ["anti-poverty policy advisor", "income support officer"],
      related=["debt", "energy-poverty", "participation"],
      national=["min-szw"], persp="bfu")

topic("debt", "werk en inkomen",
      ["schuldhulpverlening", "schulden", "armoede"], ["debt advice", "problem debt"],
      "M6 N2 R1",
      [S("shv", ["schuldhulpverlening", "schuldregelingen", "budgetbeheer", "Wgs"],
         ["debt counselling", "debt relief", "debt management plans"], ["MSNP"],
         ["minnelijke schuldregelingen en budgetbeheer", "de Wet gemeentelijke schuldhulpverlening"],
         ["debt counselling and amicable debt settlements"]),
       S("early", ["vroegsignalering schulden", "betalingsachterstanden", "vroeg eropaf"],
         ["early detection of payment arrears", "early intervention on debt"], [],
         ["vroegsignalering van betalingsachterstanden bij huur en energie"],
         ["early intervention on rent and utility arrears"]),
       S("collect", ["rijksincasso", "beslagvrije voet", "invorderingsbeleid"],
         ["government debt collection", "humane debt collection"], ["CJIB"],
         ["een menselijke incasso door overheidsschuldeisers", "de beslagvrije voet"],
         ["humane debt collection by public creditors"]),
       ],
      ["schuldhulpverlener", "beleidsadviseur schuldhulp", "budgetcoach", "consulent schulddienstverlening"],
      ["debt advisor", "debt counselling team lead", "financial inclusion officer"],
      related=["poverty", "homelessness"],
      national=["min-szw", "min-jenv"], persp="fub")

topic("municipal-finance", "bedrijfsvoering",
      ["gemeentefinanciën", "begroting", "financiën"], ["public finance", "municipal budgets"],
      "M5 P2 N2 R1",
      [S("budget", ["begrotingscyclus", "financiële planning en control", "meerjarenbegroting"],
         ["budgeting", "financial planning and control"], ["P&C"],
         ["de planning- en controlcyclus", "een sluitende meerjarenbegroting"],
         ["the budget cycle and financial control"]),
       S("fund", ["gemeentefonds", "financiële verhoudingen", "ravijnjaar"],
         ["local government funding", "intergovernmental finance"], [],
         ["de verdeling van het gemeentefonds", "de financiële verhoudingen tussen Rijk en gemeenten"],
         ["central government grants to municipalities"]),
       S("treasury", ["treasury", "schuldpositie gemeente", "leningenportefeuille"],
         ["treasury management", "public sector borrowing"], [],
         ["treasurybeheer en de schuldpositie van de gemeente"],
         ["managing municipal borrowing and debt ratios"]),
       ],
      ["concerncontroller", "financieel adviseur", "beleidsadviseur financiën"],
      ["financial controller", "budget advisor"],
      related=[], national=["min-bzk"], regional=["vr", "ggd"], persp="bg")

topic("participation", "werk en inkomen",
      ["Participatiewet", "re-integratie", "werk en inkomen"], ["employment support", "welfare to work"],
      "M6 N2 R2",
      [S("reint", ["re-integratie", "werkfit trajecten", "participatiewetuitvoering", "bijstandsuitkering"],
         ["welfare-to-work programmes", "job coaching", "employment reintegration"], [],
         ["re-integratie van bijstandsgerechtigden naar werk", "de uitvoering van de Participatiewet"],
         ["getting people on social assistance into work"]),
       S("sheltered", ["beschut werk", "banenafspraak", "sociaal ontwikkelbedrijf"],
         ["sheltered employment", "disability employment", "supported employment"], [],
         ["beschut werk en de banenafspraak", "het sociaal ontwikkelbedrijf"],
         ["supported employment for people with disabilities"]),
       S("law", ["Participatiewet", "handhaving bijstand", "rechtmatigheid uitkeringen"],
         ["social assistance law", "benefit fraud prevention"], [],
         ["vereenvoudiging van de Participatiewet", "rechtmatigheid en handhaving in de bijstand"],
         ["simplifying social assistance rules"]),
       ],
      ["klantmanager werk", "jobcoach", "beleidsadviseur Participatiewet", "werkconsulent"],
      ["employment coach", "social assistance policy advisor", "job coach"],
      related=["labour-market", "poverty", "integration"],
      national=["min-szw", "uwv"], regional=["amr"], persp="fub")

topic("labour-market", "werk en inkomen",
      ["arbeidsmarkt", "arbeidsmarktregio", "leven lang ontwikkelen"], ["labour market", "skills"],
      "M3 P2 N3 R4",
      [S("shortage", ["krapte op de arbeidsmarkt", "tekortberoepen", "arbeidsmarktbeleid"],
         ["labour shortages", "labour market policy"], [],
         ["tekorten in techniek, zorg en onderwijs", "regionaal arbeidsmarktbeleid"],
         ["labour shortages in technology, care and education"]),
       S("skills", ["om- en bijscholing", "leven lang ontwikkelen", "scholingsvouchers"],
         ["reskilling", "lifelong learning", "skills-based hiring"], ["LLO"],
         ["om- en bijscholing van werkenden", "leven lang ontwikkelen in het mkb"],
         ["reskilling and upskilling workers"]),
       S("employer", ["werkgeversdienstverlening", "regionaal werkbedrijf"],
         ["employer services", "regional employer account management"], [],
         ["werkgeversdienstverlening in de arbeidsmarktregio"],
         ["employer services in the labour market region"]),
       ],
      ["arbeidsmarktadviseur", "accountmanager werkgeversdienstverlening", "beleidsadviseur economie"],
      ["labour market advisor", "employer services account manager"],
      related=["participation", "youth-education", "labour-migration"],
      national=["min-szw", "uwv", "min-ocw"], regional=["amr"], persp="bu")

# ---------------------------------------------------------------- challenges
challenge("schulden-vroegsignalering", "debt", "nl",
          "Eerder hulp bij schulden",
          """Veel huishoudens melden zich pas na jaren bij de schuldhulpverlening. Gemeenten,
          woningcorporaties en energieleveranciers willen vroegsignalering van
          betalingsachterstanden verbeteren en sneller schuldregelingen treffen.""",
          ["schulden", "armoede"],
          [("vroegsignalering", "early", 3, 2.0), ("schuldhulp", "shv", 3, 1.5)],
          ["PV28", "GM0599", "GM0518"], "MN", "fub", 5, "gemeente-den-haag",
          related=[("poverty", "nontake")])

challenge("debt-collection-humane", "debt", "en",
          "Humane debt collection by government",
          """Public creditors such as tax offices and benefit agencies can push people deeper
          into debt. This national challenge redesigns debt collection so that the protected
          income is respected and people are referred to debt counselling in time.""",
          ["problem debt"],
          [("debt collection", "collect", 3, 2.0), ("debt counselling", "shv", 2, 1.0)],
          ["NL"], "NM", "bu", 4, "min-szw",
          related=[("poverty", "minima")])

challenge("kinderarmoede-halveren", "poverty", "mixed",
          "Halving child poverty in Rotterdam-Zuid",
          """Eén op de vijf kinderen in Rotterdam-Zuid groeit op in armoede. The city and the
          ministry want better take-up of income support, een kindpakket en een proactieve
          aanpak van niet-gebruik.""",
          ["armoede", "poverty"],
          [("kinderarmoede", "child", 3, 2.0), ("niet-gebruik", "nontake", 2, 1.0)],
          ["GM0599", "PV28"], "MN", "bfu", 5, "gemeente-rotterdam",
          related=[("debt", "early"), ("youth-education", "vve")])

challenge("participatiewet-eenvoud", "participation", "nl",
          "Participatiewet in balans",
          """De Participatiewet is te ingewikkeld voor mensen in de bijstand en voor
          uitvoerders. Rijk en gemeenten werken aan vereenvoudiging, met meer ruimte voor
          maatwerk en betere begeleiding naar werk en beschut werk.""",
          ["Participatiewet", "werk en inkomen"],
          [("Participatiewet", "law", 3, 2.0), ("re-integratie", "reint", 2, 1.5),
           ("beschut werk", "sheltered", 2, 0.5)],
          ["NL"], "NMR", "buf", 6, "min-szw",
          related=[("labour-market", "employer")])

challenge("reskilling-brainport", "labour-market", "en",
          "Reskilling for technology jobs in the Brainport region",
          """Brainport Eindhoven needs thousands of technicians. The labour market region wants
          to retrain workers from shrinking sectors, organise employer services and link
          people on benefits to training.""",
          ["labour market", "skills"],
          [("om- en bijscholing", "skills", 3, 2.0), ("labour shortages", "shortage", 2, 1.0)],
          ["GM0772", "PV30"], "RMP", "bu", 5, "amr-zuidoost-brabant",
          related=[("participation", "reint"), ("youth-education", "leerplicht")])
