"""Social domain: jeugdzorg, onderwijs (a near miss for jeugdzorg), Wmo."""
from common import S, topic, challenge

topic("youth-care", "sociaal domein",
      ["jeugdzorg", "jeugdhulp", "sociaal domein"], ["youth care", "child and family services"],
      "M6 R3 N1",
      [S("commission", ["jeugdzorginkoop", "regionale inkoop jeugdhulp", "jeugdzorgregio",
                        "contractmanagement jeugdhulp"],
         ["youth care commissioning", "youth services procurement"], [],
         ["de regionale inkoop van specialistische jeugdhulp", "contractmanagement met jeugdhulpaanbieders"],
         ["regional commissioning of specialist youth services", "contract management with youth care providers"]),
       S("protect", ["jeugdbescherming", "gecertificeerde instellingen", "veilig thuis"],
         ["child protection", "child safeguarding"], ["GI"],
         ["de samenwerking tussen wijkteams en jeugdbescherming", "wachtlijsten bij gecertificeerde instellingen"],
         ["child protection orders and safeguarding", "waiting lists in child protection"]),
       S("team", ["wijkteams jeugd", "lokale toegang jeugdhulp", "jeugd- en gezinscoaching"],
         ["family support teams", "community youth teams", "early help for families"], [],
         ["de lokale toegang tot jeugdhulp via wijkteams", "gezinscoaching in de wijk"],
         ["early help through neighbourhood family teams"]),
       S("ggz", ["jeugd-ggz", "geestelijke gezondheid jongeren"],
         ["youth mental health", "child and adolescent mental health services"], ["CAMHS"],
         ["jeugd-ggz en de mentale gezondheid van jongeren"],
         ["youth mental health services"]),
       ],
      ["beleidsadviseur jeugd", "contractmanager jeugdhulp", "jeugdconsulent", "regiomanager jeugd"],
      ["youth care policy advisor", "youth services commissioner", "family support worker"],
      related=["youth-education", "wmo", "public-health"],
      national=["min-vws", "min-jenv"], regional=["jzr", "ggd"], persp="bfu")

topic("youth-education", "onderwijs",
      ["onderwijs", "passend onderwijs", "jeugd"], ["education", "schools"],
      "M5 N3 R1",
      [S("passend", ["passend onderwijs", "samenwerkingsverbanden onderwijs", "thuiszittersaanpak"],
         ["inclusive education", "special educational needs"], [],
         ["passend onderwijs en de aanpak van thuiszitters", "samenwerkingsverbanden in het primair onderwijs"],
         ["inclusive education and pupils out of school"]),
       S("leerplicht", ["leerplicht", "voortijdig schoolverlaten", "RMC-functie"],
         ["compulsory education enforcement", "early school leaving"], ["VSV", "RMC"],
         ["leerplicht en het terugdringen van voortijdig schoolverlaten"],
         ["school attendance and early school leaving"]),
       S("vve", ["vroeg- en voorschoolse educatie", "kinderopvang", "onderwijsachterstandenbeleid"],
         ["early childhood education", "childcare", "educational disadvantage policy"], ["VVE"],
         ["vroeg- en voorschoolse educatie en onderwijsachterstanden"],
         ["early childhood education for disadvantaged toddlers"]),
       S("housing", ["onderwijshuisvesting", "integraal huisvestingsplan scholen"],
         ["school buildings", "school accommodation planning"], ["IHP"],
         ["onderwijshuisvesting en nieuwbouw van scholen"],
         ["school building programmes"]),
       ],
      ["leerplichtambtenaar", "beleidsadviseur onderwijs", "adviseur onderwijshuisvesting"],
      ["education policy advisor", "school attendance officer"],
      related=["youth-care", "labour-market"],
      national=["min-ocw", "duo"], persp="buf")

topic("wmo", "sociaal domein",
      ["Wmo", "maatschappelijke ondersteuning", "sociaal domein"], ["social support", "adult social care"],
      "M7 N1",
      [S("access", ["Wmo-toegang", "keukentafelgesprekken", "Wmo-consulent"],
         ["social care assessments", "access to social support"], [],
         ["keukentafelgesprekken en de toegang tot maatschappelijke ondersteuning"],
         ["needs assessments for adult social support"]),
       S("support", ["Wmo-voorzieningen", "huishoudelijke ondersteuning", "dagbesteding",
                     "Wet maatschappelijke ondersteuning"],
         ["home support services", "day care for adults", "Social Support Act"], [],
         ["huishoudelijke hulp, dagbesteding en hulpmiddelen", "de houdbaarheid van Wmo-voorzieningen"],
         ["home help, day activities and mobility aids under the Social Support Act"]),
       S("informal", ["mantelzorgondersteuning", "mantelzorg", "vrijwillige inzet"],
         ["informal carer support", "carers support", "volunteering"], [],
         ["respijtzorg en ondersteuning van mantelzorgers"],
         ["respite care and support for informal carers"]),
       S("commission", ["Wmo-inkoop", "contractmanagement Wmo"],
         ["social care commissioning"], [],
         ["de inkoop van Wmo-begeleiding"],
         ["commissioning adult social care"]),
       ],
      ["Wmo-consulent", "beleidsadviseur Wmo", "contractmanager Wmo", "beleidsadviseur sociaal domein"],
      ["social support consultant", "adult social care policy advisor", "social care commissioner"],
      related=["housing-care", "youth-care", "homelessness"],
      national=["min-vws"], persp="fbu")

# ---------------------------------------------------------------- challenges
challenge("jeugdzorg-inkoop-regio", "youth-care", "nl",
          "Regionale inkoop specialistische jeugdzorg",
          """De kosten van specialistische jeugdhulp stijgen en wachtlijsten groeien. De
          jeugdregio's Rijnmond en Haaglanden willen samen de inkoop en het contractmanagement
          herzien, met minder aanbieders en betere afspraken over resultaat.""",
          ["jeugdzorg", "sociaal domein"],
          [("jeugdzorg", "commission", 3, 2.0), ("contractmanagement", "commission", 2, 1.0)],
          ["GM0599", "GM0518", "PV28"], "MRN", "bu", 5, "jzr-rijnmond",
          related=[("wmo", "commission")])

challenge("child-protection-waiting-lists", "youth-care", "en",
          "Cutting waiting lists in child protection",
          """Children under a protection order sometimes wait months for a family guardian.
          Municipalities, certified institutions and the ministries want to shorten the chain
          from local family teams to child protection and youth mental health care.""",
          ["youth care", "child protection"],
          [("jeugdbescherming", "protect", 3, 2.0), ("wijkteam", "team", 2, 1.0),
           ("jeugd-ggz", "ggz", 2, 1.0)],
          ["NL"], "MNR", "fbg", 6, "min-jenv",
          related=[("public-health", "prev")])

challenge("thuiszitters-passend-onderwijs", "youth-education", "nl",
          "Geen thuiszitters meer: passend onderwijs in Tilburg",
          """In Tilburg zitten ruim honderd kinderen thuis zonder passend onderwijsaanbod.
          Gemeente, samenwerkingsverband en leerplicht willen sneller een plek op school
          regelen. Waar nodig sluit jeugdhulp aan.""",
          ["onderwijs", "jeugd"],
          [("passend onderwijs", "passend", 3, 2.0), ("leerplicht", "leerplicht", 2, 1.5)],
          ["GM0855", "PV30"], "MN", "fbu", 4, "gemeente-tilburg",
          related=[("youth-care", "team")])

challenge("wmo-houdbaar", "wmo", "mixed",
          "Wmo: keeping social support affordable",
          """The number of older residents who need support at home is growing fast. Gemeenten
          willen de Wet maatschappelijke ondersteuning houdbaar maken: slimmere toegang,
          meer steun voor mantelzorgers en een andere inkoop van huishoudelijke hulp.""",
          ["Wmo", "social support"],
          [("social support", "support", 3, 2.0), ("informal care", "informal", 2, 1.0),
           ("toegang", "access", 2, 1.0)],
          ["NL", "PV23"], "MN", "bfu", 6, "gemeente-zwolle",
          related=[("housing-care", "adapt")])
