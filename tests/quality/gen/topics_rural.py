"""Rural topics: stikstof, landbouwtransitie, natuur."""
from common import S, topic, challenge

topic("nitrogen", "landelijk gebied",
      ["stikstof", "landelijk gebied", "gebiedsprocessen"], ["nitrogen", "nitrogen deposition"],
      "P6 N3 M2 R1",
      [S("permit", ["stikstofvergunningen", "Wnb-vergunningverlening", "natuurvergunningen",
                    "PAS-melders"],
         ["nitrogen permitting", "nature permits", "habitat assessments"], ["Wnb", "PAS"],
         ["vergunningverlening in het kader van de Wet natuurbescherming", "het legaliseren van PAS-melders"],
         ["issuing nature permits for nitrogen emissions", "legalising PAS reporters"]),
       S("area", ["gebiedsprocessen stikstof", "gebiedsgerichte aanpak", "provinciaal programma landelijk gebied"],
         ["area-based nitrogen approach", "rural area programmes"], ["NPLG", "PPLG"],
         ["gebiedsprocessen met boeren, natuurorganisaties en gemeenten"],
         ["area-based processes with farmers and nature organisations"]),
       S("model", ["stikstofdepositieberekeningen", "AERIUS-berekeningen", "emissiemodellering"],
         ["nitrogen deposition modelling", "emission modelling"], ["AERIUS"],
         ["AERIUS-berekeningen en depositieanalyses"],
         ["deposition modelling with AERIUS"]),
       S("buyout", ["opkoopregelingen veehouderij", "beëindigingsregelingen"],
         ["livestock farm buy-out schemes", "voluntary farm buy-outs"], ["Lbv"],
         ["opkoopregelingen voor piekbelasters", "keukentafelgesprekken over bedrijfsbeëindiging"],
         ["buy-out schemes for livestock farms near Natura 2000 sites"]),
       ],
      ["adviseur stikstof", "vergunningverlener natuur", "gebiedsregisseur", "programmamanager stikstof"],
      ["nitrogen policy advisor", "nature permit officer", "rural area coordinator"],
      related=["agri-transition", "nature", "omgevingswet"],
      national=["min-lnv", "rvo", "rivm"], regional=["od"], persp="bug")

topic("agri-transition", "landelijk gebied",
      ["landbouwtransitie", "landbouw", "kringlooplandbouw"], ["agriculture", "sustainable farming"],
      "P5 N4 M1 W1",
      [S("extens", ["extensivering landbouw", "kringlooplandbouw", "natuurinclusieve landbouw",
                    "landbouwtransitie"],
         ["extensive farming", "nature-inclusive agriculture", "circular agriculture"], [],
         ["de omschakeling naar natuurinclusieve landbouw", "extensivering rond natuurgebieden"],
         ["helping farmers switch to nature-inclusive farming"]),
       S("earn", ["verdienmodel boeren", "ketenafspraken landbouw", "agrarisch ondernemerschap"],
         ["farm business models", "agri-food supply chain agreements"], [],
         ["nieuwe verdienmodellen voor boeren", "afspraken in de voedselketen"],
         ["new revenue models for farmers", "agri-food chain agreements"]),
       S("manure", ["mestbeleid", "derogatie", "mestverwerking"],
         ["manure policy", "nitrates derogation", "manure processing"], [],
         ["het mestbeleid na het aflopen van de derogatie"],
         ["manure policy after the end of the nitrates derogation"]),
       ],
      ["beleidsmedewerker landbouw", "adviseur landbouwtransitie", "gebiedsmakelaar landbouw"],
      ["agricultural policy advisor", "farm transition officer"],
      related=["nitrogen", "water-quality", "nature"],
      national=["min-lnv", "rvo"], persp="bgu")

topic("nature", "landelijk gebied",
      ["natuur", "biodiversiteit", "natuurherstel"], ["nature", "biodiversity"],
      "P5 N3 M2 W1",
      [S("n2000", ["Natura 2000-beheer", "natuurherstel", "beheerplannen Natura 2000"],
         ["Natura 2000 management", "habitat restoration", "nature restoration"], ["N2000"],
         ["herstelmaatregelen in Natura 2000-gebieden", "beheerplannen voor beschermde natuur"],
         ["restoring habitats in Natura 2000 sites"]),
       S("nnn", ["Natuurnetwerk Nederland", "natuurontwikkeling", "ecologische verbindingszones"],
         ["ecological networks", "nature development", "wildlife corridors"], ["NNN"],
         ["het realiseren van het Natuurnetwerk Nederland", "ecologische verbindingen"],
         ["completing the national ecological network"]),
       S("species", ["soortenbescherming", "faunabeheer", "ecologisch onderzoek"],
         ["species protection", "wildlife management", "ecological surveys"], [],
         ["soortenbescherming en ontheffingen", "faunabeheer en schadebestrijding"],
         ["species protection licensing", "wildlife management"]),
       ],
      ["ecoloog", "beleidsmedewerker natuur", "projectleider natuurontwikkeling"],
      ["ecologist", "nature policy officer", "biodiversity advisor"],
      related=["nitrogen", "drought", "agri-transition"],
      national=["min-lnv", "rvo"], water_boards=True, persp="bu")

# ---------------------------------------------------------------- challenges
challenge("stikstof-gebiedsprocessen-gelderland", "nitrogen", "nl",
          "Stikstofreductie rond de Veluwe",
          """Provincie Gelderland moet de stikstofdepositie op de Veluwe fors verlagen. De
          opgave combineert gebiedsprocessen met boeren, vrijwillige opkoop en het vlottrekken
          van vergunningverlening voor woningbouw en infrastructuur.""",
          ["stikstof", "landelijk gebied"],
          [("stikstof", "area", 3, 2.0), ("vergunningverlening", "permit", 3, 1.5),
           ("opkoopregeling", "buyout", 2, 1.0)],
          ["PV25", "GM0228", "GM0200"], "PNM", "bgu", 6, "provincie-gelderland",
          related=[("agri-transition", "extens"), ("nature", "n2000")])

challenge("pas-melders-legalisation", "nitrogen", "en",
          "Legalising PAS reporters",
          """Thousands of farmers and companies reported their activities under the old
          nitrogen programme (PAS) and are now without a valid permit. Provinces and the
          ministry need nature permit specialists and deposition modellers to finally
          legalise them.""",
          ["nitrogen", "permits"],
          [("PAS-melders", "permit", 3, 2.0), ("AERIUS", "model", 3, 1.5)],
          ["NL"], "PNR", "ub", 5, "min-lnv",
          related=[("environment-enforcement", "vth")])

challenge("natuurinclusieve-landbouw", "agri-transition", "mixed",
          "Toekomst voor boeren: nature-inclusive farming in Friesland",
          """In de Friese veenweiden moeten boeren omschakelen naar extensievere en
          natuurinclusieve bedrijfsvoering. This only works with a fair income: nieuwe
          verdienmodellen en ketenafspraken zijn essentieel.""",
          ["landbouw", "agriculture"],
          [("kringlooplandbouw", "extens", 3, 2.0), ("verdienmodel", "earn", 2, 1.5)],
          ["PV21", "WS0645"], "PNW", "bgu", 5, "provincie-fryslan",
          related=[("nitrogen", "area"), ("water-quality", "nutr")])

challenge("natuurherstel-n2000", "nature", "en",
          "Restoring Natura 2000 habitats in Noord-Brabant",
          """The condition of several Natura 2000 areas in Brabant is deteriorating. The
          province wants a joint restoration programme with water boards and municipalities,
          including hydrological measures and better ecological corridors.""",
          ["biodiversity", "nature"],
          [("natuurherstel", "n2000", 3, 2.0), ("ecological corridors", "nnn", 2, 1.0)],
          ["PV30", "WS0653"], "PWM", "bu", 5, "provincie-noord-brabant",
          related=[("drought", "retain"), ("nitrogen", "area")])
