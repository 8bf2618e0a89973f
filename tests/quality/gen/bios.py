"""Bio and job-title templates in Dutch and English."""

DOMAIN_EN = {
    "wonen": "housing", "energie": "energy", "klimaatadaptatie": "climate adaptation",
    "water": "water management", "landelijk gebied": "rural affairs",
    "sociaal domein": "social services", "onderwijs": "education",
    "werk en inkomen": "work and income", "bedrijfsvoering": "public finance",
    "migratie": "migration", "mobiliteit": "mobility", "digitale overheid": "digital government",
    "veiligheid": "public safety", "gezondheid": "public health",
    "fysieke leefomgeving": "the physical environment", "economie": "the economy",
    "dienstverlening": "public services", "openbare ruimte": "public space",
    "cultuur": "culture", "sport": "sport",
}

NL = [
    "{first} werkt als {title} bij {org} en houdt zich bezig met {p1}.",
    "Als {title} bij {org} richt ik me op {p1} en {p2}.",
    "{Title} met {years} jaar ervaring in het domein {dom}. Specialist in {p1}.",
    "Ik ben {title} bij {org}. Mijn werk draait om {p1}; daarnaast ben ik betrokken bij {p2}.",
    "{first} is sinds {year} werkzaam bij {org}. Eerder werkte {pron} aan {p2}, nu ligt de focus op {p1}.",
    "Verbindende {title} die graag werkt aan {p1}.",
    "Expertise: {p1}, {p2}.",
    "{first} adviseert bestuur en directie van {org} over {p1}.",
    "Ruime ervaring met {p1} in {place}.",
    "Mijn drive: {p1}. Bij {org} zet ik me daarvoor in als {title}.",
    "Werkzaam bij {org} ({place}). Kennis van {p1} en {p2}.",
    "{Title}. Trekker van {p1} binnen {org}.",
]
EN = [
    "{first} is a {title} at {org}, working on {p1} and {p2}.",
    "I work as {title} at {org}, focusing on {p1}.",
    "{Title} with {years} years of experience in {dom}. Specialises in {p1}.",
    "At {org} I lead work on {p1}. Before that I was involved in {p2}.",
    "{first} joined {org} in {year} and has since worked on {p1}.",
    "Experienced {title} passionate about {p1}.",
    "Expertise: {p1}; {p2}.",
    "{first} advises the board of {org} on {p1}.",
    "Hands-on experience with {p1} in {place}.",
    "My background is in {dom}; currently {title} at {org}, mainly {p1}.",
    "Based in {place}, working for {org} on {p1} and {p2}.",
    "{Title}. Leading {p1} at {org}.",
]
EXTRA_NL = [
    "Werkt graag over de grenzen van de eigen organisatie heen.",
    "Sterk in het verbinden van beleid en uitvoering.",
    "Heeft ervaring met regionale samenwerking en programmasturing.",
    "Denkt graag mee over complexe maatschappelijke opgaven in de regio.",
    "Was eerder projectleider bij een andere gemeente.",
    "Houdt van concrete resultaten en korte lijnen.",
    "Beschikbaar voor interbestuurlijke projecten.",
    "Heeft een achtergrond in bestuurskunde.",
]
EXTRA_EN = [
    "Enjoys working across organisational boundaries.",
    "Experienced in regional partnerships and programme governance.",
    "Keen to contribute to complex societal challenges.",
    "Previously worked as a project leader in local government.",
    "Background in public administration.",
    "Available for intergovernmental projects.",
]
CROSS_NL = ["Daarnaast affiniteit met {x}.", "Heeft ook gewerkt aan {x}.", "Raakvlak met {x}."]
CROSS_EN = ["Also has an interest in {x}.", "Has also worked on {x}.", "Some experience with {x}."]

SENIOR_NL = ["", "", "", "senior ", "strategisch ", "junior "]
SENIOR_EN = ["", "", "", "senior ", "lead ", "junior "]

# ---------------------------------------------------------------- generic profiles
# Hard negatives: civil servants without a topical specialism whose texts share the
# generic words of public administration (beleid, project, programma, regio, ...).
GENERIC = [
    # (titles nl, titles en, skills nl, skills en, phrases nl, phrases en, themes)
    (["programmamanager", "projectleider", "projectmanager"],
     ["programme manager", "project manager"],
     ["projectmanagement", "programmamanagement", "regionale samenwerking", "verandermanagement"],
     ["project management", "programme management", "stakeholder management", "agile working"],
     ["het tot een goed einde brengen van complexe projecten in de regio",
      "programmasturing en samenwerking tussen overheden"],
     ["delivering complex projects across the region", "programme governance between public bodies"],
     ["bedrijfsvoering", "samenwerking", "programma's"]),
    (["strategisch beleidsadviseur", "beleidsadviseur", "bestuursadviseur"],
     ["strategic policy advisor", "policy advisor"],
     ["strategisch beleidsadvies", "bestuursadvisering", "beleidsevaluatie", "beleid"],
     ["policy analysis", "policy evaluation", "strategic advice"],
     ["het schrijven van beleid en bestuurlijke nota's", "beleidsevaluaties en strategie"],
     ["drafting policy and advising executives", "policy evaluation and strategy"],
     ["beleid", "governance", "strategie"]),
    (["communicatieadviseur", "woordvoerder"], ["communications advisor", "spokesperson"],
     ["communicatie", "woordvoering", "online communicatie", "campagnes"],
     ["communications", "media relations", "public campaigns"],
     ["communicatie over projecten in de regio", "woordvoering voor het college"],
     ["communication around regional projects", "media relations for the executive"],
     ["communicatie"]),
    (["HR-adviseur", "adviseur personeel en organisatie"], ["HR advisor", "people and organisation advisor"],
     ["personeelsbeleid", "strategische personeelsplanning", "werving en selectie",
      "arbeidsmarktcommunicatie"],
     ["strategic workforce planning", "recruitment", "employer branding"],
     ["strategische personeelsplanning en werving van schaars personeel"],
     ["recruitment of scarce staff and workforce planning"],
     ["organisatie", "personeel"]),
    (["informatiemanager", "ICT-architect", "applicatiebeheerder"],
     ["IT architect", "application manager"],
     ["ICT-architectuur", "applicatiebeheer", "cloudmigratie", "informatievoorziening"],
     ["enterprise architecture", "cloud migration", "IT service management"],
     ["ICT-architectuur en de migratie naar de cloud"],
     ["enterprise architecture and cloud migration"],
     ["ICT", "dienstverlening"]),
    (["jurist", "juridisch adviseur", "bezwaarjurist"], ["legal advisor", "lawyer"],
     ["bestuursrecht", "bezwaar en beroep", "juridische kwaliteitszorg"],
     ["administrative law", "legal advice", "litigation"],
     ["bezwaarprocedures en juridische advisering aan het bestuur"],
     ["administrative law and objection procedures"],
     ["juridisch", "bestuur"]),
    (["inkoopadviseur", "contractmanager facilitair"], ["procurement advisor", "contract manager"],
     ["facilitaire inkoop", "ICT-aanbestedingen", "contractbeheer"],
     ["IT procurement", "facility management contracts", "tendering"],
     ["aanbestedingen voor ICT en facilitaire diensten"],
     ["tendering for IT and facility services"],
     ["inkoop", "bedrijfsvoering"]),
    (["bestuursondersteuner", "griffiemedewerker", "secretaris"],
     ["executive support officer", "council clerk"],
     ["bestuursondersteuning", "raadsondersteuning", "vergaderorganisatie"],
     ["council support", "executive support", "governance support"],
     ["ondersteuning van raad en college"],
     ["supporting the council and executive board"],
     ["bestuur", "democratie"]),
    (["subsidieadviseur", "fondsenwerver"], ["grants advisor", "EU funding advisor"],
     ["Europese subsidies", "subsidieaanvragen", "subsidiebeheer"],
     ["EU funding", "grant applications", "grant management"],
     ["het binnenhalen van Europese en landelijke subsidies voor regionale projecten"],
     ["securing EU and national grants for regional projects"],
     ["subsidies", "regio"]),
    (["adviseur dienstverlening", "klantcontactmanager"], ["customer service manager", "service design lead"],
     ["dienstverlening", "klantcontact", "klantreizen"],
     ["customer service", "service design", "customer journeys"],
     ["betere dienstverlening aan inwoners en ondernemers"],
     ["better services for residents and businesses"],
     ["dienstverlening"]),
]

# Cross-cutting skills of topical experts (shared words, no topical meaning).
COMMON_NL = ["projectmanagement", "programmamanagement", "procesbegeleiding",
             "stakeholdermanagement", "beleidsadvisering", "regionale samenwerking",
             "bestuurlijke advisering", "onderhandelen", "subsidieaanvragen",
             "participatietrajecten", "interbestuurlijk samenwerken", "projectleiding"]
COMMON_EN = ["project management", "programme management", "stakeholder management",
             "facilitation", "policy advice", "regional collaboration", "negotiation",
             "public engagement", "intergovernmental collaboration"]
