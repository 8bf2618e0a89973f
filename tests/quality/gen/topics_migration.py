"""Migration: asielopvang, inburgering en statushouders, arbeidsmigratie (a near miss)."""
from common import S, topic, challenge

topic("asylum", "migratie",
      ["asielopvang", "opvang", "migratie"], ["asylum reception", "refugee reception"],
      "M5 N4 P2 R1",
      [S("recep", ["asielopvang", "opvanglocaties", "azc-ontwikkeling", "noodopvang"],
         ["asylum reception centres", "refugee accommodation", "emergency shelter"], ["AZC"],
         ["het realiseren van nieuwe opvanglocaties", "noodopvang en de overgang naar reguliere opvang"],
         ["opening new reception centres for asylum seekers", "emergency reception capacity"]),
       S("spread", ["spreidingswet", "provinciale regietafel migratie", "opvangtaakstelling"],
         ["distribution of asylum reception", "regional reception agreements"], [],
         ["de uitvoering van de spreidingswet via de provinciale regietafel"],
         ["implementing the asylum dispersal act across municipalities"]),
       S("minors", ["amv-opvang", "alleenstaande minderjarige vreemdelingen"],
         ["unaccompanied minors", "reception of unaccompanied children"], ["AMV"],
         ["opvang en begeleiding van alleenstaande minderjarige vreemdelingen"],
         ["care and reception for unaccompanied asylum-seeking children"]),
       S("ukr", ["opvang Oekraïners", "gemeentelijke opvang ontheemden"],
         ["Ukrainian displaced persons", "temporary protection"], [],
         ["gemeentelijke opvang van ontheemden uit Oekraïne"],
         ["municipal shelter for displaced people from Ukraine"]),
       ],
      ["projectleider asielopvang", "regisseur migratie", "locatiemanager opvang", "beleidsadviseur migratie"],
      ["asylum reception programme manager", "migration policy advisor", "reception centre manager"],
      related=["integration", "housing-build"],
      national=["coa", "min-jenv"], persp="ugb")

topic("integration", "migratie",
      ["inburgering", "statushouders", "integratie"], ["civic integration", "refugee integration"],
      "M6 N2",
      [S("civic", ["inburgering", "Wet inburgering 2021", "taalonderwijs inburgeraars"],
         ["civic integration", "language learning for newcomers"], ["PIP"],
         ["de uitvoering van de Wet inburgering 2021", "taalroutes en het persoonlijk plan inburgering"],
         ["implementing the Civic Integration Act", "language routes for refugees"]),
       S("house", ["huisvesting statushouders", "taakstelling statushouders", "versnelde uitstroom azc"],
         ["housing refugees with a residence permit", "refugee housing"], [],
         ["het huisvesten van statushouders volgens de taakstelling"],
         ["finding homes for refugees who have received a residence permit"]),
       S("work", ["arbeidstoeleiding statushouders", "duale trajecten"],
         ["employment of refugees", "refugee labour participation"], [],
         ["statushouders sneller aan het werk", "duale trajecten taal en werk"],
         ["getting refugees into paid work quickly"]),
       ],
      ["consulent inburgering", "regisseur statushouders", "beleidsadviseur integratie"],
      ["integration officer", "refugee integration coordinator"],
      related=["asylum", "participation", "social-housing"],
      national=["min-szw", "duo"], persp="fub")

topic("labour-migration", "migratie",
      ["arbeidsmigratie", "arbeidsmigranten", "migratie"], ["labour migration", "migrant workers"],
      "M5 P2 N2",
      [S("lmhouse", ["huisvesting arbeidsmigranten", "short stay huisvesting"],
         ["migrant worker housing"], [],
         ["huisvesting van arbeidsmigranten", "regels voor short stay huisvesting"],
         ["housing standards for EU migrant workers"]),
       S("agency", ["uitzendbranche", "malafide uitzendbureaus", "registratie arbeidsmigranten"],
         ["employment agencies", "exploitation of migrant workers", "registration of EU workers"], ["BRP"],
         ["de aanpak van malafide uitzendbureaus", "registratie van arbeidsmigranten in de BRP"],
         ["tackling rogue employment agencies"]),
       ],
      ["beleidsadviseur arbeidsmigratie", "projectleider arbeidsmigranten"],
      ["labour migration advisor", "migrant worker liaison"],
      related=["labour-market", "undermining"],
      national=["min-szw"], persp="bu")

# ---------------------------------------------------------------- challenges
challenge("spreidingswet-opvang", "asylum", "nl",
          "Evenwichtige spreiding van asielopvang in Overijssel",
          """Ter Apel zit structureel vol. Met de spreidingswet moeten alle gemeenten in
          Overijssel bijdragen aan de opvang van asielzoekers. De provinciale regietafel
          zoekt mensen die opvanglocaties kunnen realiseren en afspraken tussen gemeenten
          en het COA kunnen maken.""",
          ["asielopvang", "migratie"],
          [("asielopvang", "recep", 3, 2.0), ("spreidingswet", "spread", 2, 1.5)],
          ["PV23", "GM0193", "GM0153"], "MPN", "ugb", 6, "provincie-overijssel",
          related=[("integration", "house")])

challenge("unaccompanied-minors", "asylum", "en",
          "Small-scale reception for unaccompanied minors",
          """The number of unaccompanied minors seeking asylum has risen sharply. The reception
          agency and municipalities want small-scale reception with guardianship, school and
          youth care close by.""",
          ["asylum reception", "youth"],
          [("AMV", "minors", 3, 2.0), ("opvanglocaties", "recep", 2, 1.0)],
          ["NL"], "NM", "ufb", 5, "coa",
          related=[("youth-care", "protect"), ("youth-education", "passend")])

challenge("statushouders-inburgering", "integration", "mixed",
          "Statushouders: inburgering, housing and work in one route",
          """Gemeente Almere wants newcomers with a residence permit to learn Dutch, find a home
          and start working at the same time. De opgave verbindt inburgering, de huisvesting
          van statushouders en arbeidstoeleiding.""",
          ["inburgering", "integration"],
          [("civic integration", "civic", 3, 2.0), ("statushouders", "house", 2, 1.0),
           ("werk", "work", 2, 1.0)],
          ["GM0034", "PV24"], "MN", "fub", 5, "gemeente-almere",
          related=[("participation", "reint"), ("asylum", "recep")])

challenge("arbeidsmigranten-westland", "labour-migration", "nl",
          "Goed huisvesten van arbeidsmigranten in het Westland",
          """In de glastuinbouw werken duizenden arbeidsmigranten, vaak in slechte
          huisvesting die afhankelijk is van de werkgever. Gemeente en provincie willen
          betere huisvesting en een aanpak van malafide uitzendbureaus.""",
          ["arbeidsmigratie"],
          [("huisvesting arbeidsmigranten", "lmhouse", 3, 2.0), ("uitzendbureaus", "agency", 2, 1.0)],
          ["GM1783", "PV28"], "MPN", "bu", 4, "gemeente-westland",
          related=[("undermining", "bibob")])
