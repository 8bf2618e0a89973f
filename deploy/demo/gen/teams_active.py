"""More task teams (mostly ACTIVE, one FORMING); same format as teams.py."""

TEAMS_ACTIVE = [
    ("netcongestie-brabant", "Aanpak netcongestie Noord-Brabant", "provincie-noord-brabant",
     "ACTIVE", ["netcongestie", "energietransitie", "bedrijventerreinen"],
     ["PV30", "GM0772", "GM0855", "GM0794"],
     """Provincie, gemeenten, Rijk en netbeheerders werken samen aan kortere wachtrijen voor
     netaansluitingen: energiehubs op bedrijventerreinen, flexibel netgebruik en snellere
     netuitbreiding.""",
     """Energiehubs op bedrijventerreinen werken pas als één partij de regie pakt en
     ondernemers collectief contracteren. Maatschappelijk prioriteren van netaansluitingen
     vraagt om criteria die gemeenten, provincie en netbeheerder samen vaststellen. Data over
     beschikbare capaciteit per onderstation is de basis; zonder die data praat iedereen
     langs elkaar heen.""",
     [("netcongestie@provincie-noord-brabant~netcongestie", "programmamanager", 8),
      ("netcongestie@metropoolregio-eindhoven~energiehubs", "regio Eindhoven", 4),
      ("netcongestie@min-kgg~congestiemanagement", "Rijk", 4),
      ("netcongestie@rvo~energieopslag", "subsidies en kennis", 2),
      ("res@res-metropoolregio-eindhoven~RES", "RES", 2)]),
    ("aardgasvrij-groningen", "Wijkaanpak aardgasvrij Paddepoel en Selwerd", "gemeente-groningen",
     "ACTIVE", ["warmtetransitie", "aardgasvrij", "energiearmoede"], ["GM0014", "PV20"],
     """Aansluiten van twee naoorlogse wijken op een warmtenet, gecombineerd met isolatie
     en een aanpak van energiearmoede.""",
     """Bewoners haken af als de warmteprijs onduidelijk is; een gegarandeerd
     woonlastenneutraal tarief via het publieke warmtebedrijf maakte het verschil. Werk met
     buurtambassadeurs en energiecoaches uit de wijk zelf. Koppel isolatie en de aanpak van
     energiearmoede aan de planning van het warmtenet.""",
     [("warmte@gemeente-groningen~wijkuitvoeringsplan", "wijkregisseur", 8),
      ("warmte@gemeente-groningen~warmtenet", "warmtenet", 4),
      ("warmte@min-kgg~Wet collectieve warmte", "Rijk", 2),
      ("schulden@gemeente-groningen~bestaanszekerheid", "energiearmoede", 4),
      ("warmte@provincie-groningen~isolatie", "provincie", 2)]),
    ("hitteplan-haaglanden", "Hitteplan en groenblauwe wijken Haaglanden", "ggd-haaglanden",
     "ACTIVE", ["hittestress", "klimaatadaptatie", "publieke gezondheid"],
     ["GM0518", "GM0503", "GM0637", "PV28", "WS0539"],
     """Een regionaal hitteplan voor kwetsbare inwoners en het vergroenen van versteende
     wijken, samen met gemeenten, waterschap en veiligheidsregio.""",
     """Heat plans only reach isolated older people through home care, informal carers and
     neighbourhood teams, not through press releases. Cool spots must be within walking
     distance and open in the evening. Combine greening with rainwater storage so that one
     intervention tackles both heat stress and flooding.""",
     [("publieke-gezondheid@ggd-haaglanden~hitte", "trekker GGD", 6),
      ("klimaatadaptatie@gemeente-den-haag~hittestress", "gemeente", 4),
      ("klimaatadaptatie@ws-delfland~groenblauwe", "waterschap", 2),
      ("wmo@gemeente-den-haag~ouderenzorg", "ouderen en Wmo", 2),
      ("klimaatadaptatie@provincie-zuid-holland~klimaatadaptatie", "provincie", 2),
      ("veiligheid@vr-haaglanden~crisiscommunicatie", "waarschuwen en informeren", 2)]),
    ("opvangtafel-zuid-holland", "Regionale opvangtafel asielopvang Zuid-Holland",
     "provincie-zuid-holland", "ACTIVE", ["asielopvang", "Spreidingswet", "statushouders"],
     ["PV28", "GM0599", "GM0518", "GM0546"],
     """De provinciale regietafel verdeelt de opvangopgave onder de Spreidingswet, zoekt
     locaties en versnelt de uitstroom van statushouders naar een woning.""",
     """Kleinere locaties van 100 tot 300 plekken krijgen sneller draagvlak dan grote, maar
     vragen meer van COA en gemeenten in beheer. Een gezamenlijke pijplijn van locaties met
     status per maand voorkomt eindeloos overleg. Zonder doorstroom naar woningen loopt elke
     opvanglocatie vol.""",
     [("asiel@provincie-zuid-holland~Spreidingswet", "regisseur", 6),
      ("asiel@coa~asielopvang", "COA", 4),
      ("asiel@gemeente-leiden~omgevingsmanagement", "gemeente", 4), ("=ahmed-mansouri", "IND", 2),
      ("sociaal-wonen@gemeente-den-haag~aandachtsgroepen", "huisvesting statushouders", 2)]),
    ("woningbouw-rotterdam-zuid", "Versnelling woningbouw Rotterdam-Zuid", "gemeente-rotterdam",
     "ACTIVE", ["woningbouw", "stedelijke vernieuwing", "housing"], ["GM0599", "PV28"],
     """Nieuwbouw en vernieuwing van de sociale voorraad in Rotterdam-Zuid, in samenhang
     met onderwijs, werk en veiligheid (Nationaal Programma Rotterdam Zuid).""",
     """Combining new construction with renovation of the existing social stock prevents
     displacement of current residents. Area-wide agreements with housing associations on
     the order of demolition and new build saved years. Keep schools, jobs and safety in
     the same programme: housing alone does not change a district.""",
     [("=naima-bakkali", "programmamanager", 6), ("woningbouw@min-vro~woondeal", "Rijk", 4),
      ("woningbouw@gemeente-rotterdam~gebiedsontwikkeling", "gebiedsontwikkeling", 4),
      ("sociaal-wonen@gemeente-rotterdam~prestatieafspraken", "corporaties", 2),
      ("mobiliteit@mrdh~openbaar vervoer", "bereikbaarheid", 2)]),
    ("woo-actieve-openbaarmaking", "Actieve openbaarmaking Woo voor alle overheidslagen",
     "min-bzk", "ACTIVE", ["Woo", "informatiehuishouding", "open overheid"], ["NL"],
     """Een gezamenlijke aanpak voor actieve openbaarmaking onder de Wet open overheid:
     informatiecategorieën, één publicatieplatform en betere informatiehuishouding bij
     Rijk, provincies, gemeenten en waterschappen.""",
     """Actieve openbaarmaking begint bij de informatiehuishouding: wat niet goed wordt
     gearchiveerd, kan ook niet openbaar worden gemaakt. Een gedeelde lijst van
     informatiecategorieën en één publicatieplatform scheelt elke organisatie eigen
     maatwerk. Lakken blijft handwerk; investeer in opleiding van Woo-coördinatoren.""",
     [("digitalisering@min-bzk~Woo", "trekker", 6),
      ("digitalisering@logius~digitale dienstverlening", "platform", 4),
      ("digitalisering@gemeente-utrecht~informatiehuishouding", "gemeenten", 2),
      ("digitalisering@provincie-noord-holland~Woo", "provincies", 2),
      ("digitalisering@ws-hhnk~archivering", "waterschappen", 2)]),
    ("dijkversterking-waal", "Dijkversterking langs de Waal (HWBP)", "ws-rivierenland", "ACTIVE",
     ["waterveiligheid", "dijkversterking"], ["WS0621", "PV25"],
     """Versterking van dijktrajecten langs de Waal binnen het Hoogwaterbeschermingsprogramma,
     gecombineerd met natuur- en recreatiedoelen.""",
     """Combine dike reinforcement with nature and recreation goals only when the money for
     the extra ambitions is secured at the start; otherwise the project stalls. One permit
     procedure for the whole dike trajectory saved a year. Nitrogen permits for
     construction traffic became a critical path item.""",
     [("waterveiligheid@ws-rivierenland~dijkversterking", "projectleider", 8),
      ("waterveiligheid@rijkswaterstaat~rivierbeheer", "Rijkswaterstaat", 4),
      ("stikstof@provincie-gelderland~vergunningverlening", "natuurvergunning", 2),
      ("omgevingswet@gemeente-nijmegen~vergunningverlening", "gemeente", 2),
      ("waterveiligheid@ws-rivierenland~crisisbeheersing", "calamiteitenplan hoogwater", 2)]),
    ("stroomuitval-zeeland", "Oefening langdurige stroomuitval Zeeland", "vr-zeeland", "COMPLETED",
     ["crisisbeheersing", "weerbaarheid", "stroomuitval"], ["PV29", "GM0687", "GM0718", "GM0715"],
     """Een regionale oefening en planvorming voor een stroomuitval van meerdere dagen, met
     gemeenten, waterschap, GGD en Defensie.""",
     """Na 24 uur zonder stroom vallen niet alleen communicatie, maar ook drinkwater, betalen
     en zorg aan huis weg. Noodsteunpunten in dorpskernen, bemand door vrijwilligers met
     een vast draaiboek, bleken onmisbaar. Maak vooraf afspraken met Defensie over
     aggregaten en transport; tijdens de crisis is daar geen tijd voor.""",
     [("veiligheid@vr-zeeland~weerbaarheid", "trekker", 6),
      ("veiligheid@min-defensie~civiel-militaire", "Defensie", 2),
      ("veiligheid@gemeente-middelburg~bevolkingszorg", "bevolkingszorg", 2),
      ("droogte@ws-scheldestromen~peilbeheer", "waterschap", 2),
      ("publieke-gezondheid@ggd-zeeland~publieke gezondheid", "GGD", 2)]),
    ("zoetwaterbuffers-zeeland", "Pilots zoetwaterbuffers Zeeland", "provincie-zeeland", "COMPLETED",
     ["zoetwater", "droogte", "verzilting"], ["PV29", "WS0661", "GM0715", "GM0687"],
     """Pilots met zoetwaterbuffers in kreekruggen en slimme peilsturing, om agrariërs in
     droge zomers van zoet water te voorzien ondanks verzilting.""",
     """Zoetwaterbuffers in kreekruggen werken alleen als meerdere boeren samen infiltreren
     en het waterschap het peilbeheer daarop afstemt. Meet de zoet-zoutgrens vanaf dag één,
     anders is niet aan te tonen wat een buffer oplevert. Een meerjarige regeling zonder
     jaarlijkse herindiening maakte meedoen voor agrariërs aantrekkelijk.""",
     [("droogte@provincie-zeeland~verzilting", "trekker", 4),
      ("droogte@ws-scheldestromen~zoetwaterbuffers", "waterschap", 6),
      ("droogte@rijkswaterstaat~zoetwatervoorziening", "Rijkswaterstaat", 2),
      ("droogte@gemeente-terneuzen~grondwater", "gemeente", 2)]),
    ("participatiewet-breda", "Participatiewet in balans: pilot Breda", "gemeente-breda", "FORMING",
     ["Participatiewet", "bijstand", "werk en inkomen"], ["GM0758", "PV30"],
     """Pilot met de eerste maatregelen uit Participatiewet in balans: meer vertrouwen en
     maatwerk, minder terugvorderingen, en een betere aansluiting op werk.""",
     """Uit de voorbereiding: zonder tijdelijke ruimte in de regels (experimenteerartikel)
     kunnen consulenten niet echt maatwerk bieden. Betrek klantmanagers en
     cliëntenraad vanaf het ontwerp, niet pas bij de evaluatie.""",
     [("arbeidsmarkt@gemeente-breda~Participatiewet", "trekker", 6),
      ("arbeidsmarkt@uwv~werkgeversdienstverlening", "UWV", 2),
      ("arbeidsmarkt@min-szw~Participatiewet", "Rijk", 2),
      ("schulden@gemeente-breda~schuldhulpverlening", "schulden", 2)]),
]
