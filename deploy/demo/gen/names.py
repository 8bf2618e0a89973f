"""Fictional people: common Dutch first names and surnames, combined at random.

Any resemblance to a real civil servant is accidental; a few combinations that
belong to well-known public figures are excluded explicitly.
"""

FIRST = [
    # common Dutch names
    "Anne", "Sanne", "Lotte", "Eva", "Femke", "Marieke", "Ingrid", "Annemieke", "Judith",
    "Esther", "Karin", "Linda", "Monique", "Petra", "Wendy", "Nicole", "Ilse", "Floor",
    "Roos", "Iris", "Fleur", "Merel", "Lieke", "Noor", "Marloes", "Hanneke", "Janneke",
    "Saskia", "Joke", "Marjolein", "Anouk", "Charlotte", "Renske", "Margriet", "Wilma",
    "Jeroen", "Bas", "Thijs", "Ruben", "Sander", "Maarten", "Joost", "Pieter", "Erik",
    "Arjan", "Martijn", "Niels", "Koen", "Wouter", "Bram", "Jasper", "Tim", "Stefan",
    "Dennis", "Marcel", "Rob", "Hans", "Gert-Jan", "Jan-Willem", "Frank", "Remco",
    "Lars", "Daan", "Sjoerd", "Hidde", "Tjeerd", "Wietske", "Geert", "Harm", "Egbert",
    # Dutch people with family roots elsewhere
    "Fatima", "Yasmina", "Naima", "Samira", "Mohamed", "Youssef", "Karim", "Hamza",
    "Ayse", "Elif", "Zeynep", "Emre", "Mehmet", "Burak", "Priya", "Shanti", "Rajesh",
    "Anand", "Giovanni", "Sofia", "Dragan", "Milan", "Kwame", "Rosita", "Errol",
    "Ming", "Wei", "Tamara", "Natasha", "Joanna", "Tomasz", "Lucia", "Ricardo",
]

LAST = [
    "de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
    "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker",
    "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer", "van der Linden",
    "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Heuvel", "van der Veen", "van den Broek",
    "de Bruijn", "de Bruin", "van der Heijden", "Schouten", "van Beek", "Willems",
    "van Vliet", "van de Ven", "Hoekstra", "Maas", "Verhoeven", "Koster", "van Dam",
    "van der Wal", "Prins", "Blom", "Huisman", "Peeters", "de Jong", "Kuipers",
    "van Wijk", "Postma", "Kramer", "van den Bosch", "Verbeek", "Boersma", "Wiersma",
    "Veenstra", "Hofstra", "Zijlstra", "Kloosterman", "Scholten", "Wolters", "Timmer",
    "Lammers", "Evers", "Post", "Hermans", "Claessens", "Janssen", "Coenen", "Geurts",
    "van Dijk", "Rijnders", "Oosterhuis", "Nijland", "Terpstra", "Bosman", "Hoogendoorn",
    "El Amrani", "Bouzid", "Ait Taleb", "Benali", "Yilmaz", "Demir", "Kaya", "Öztürk",
    "Çelik", "Ramdin", "Soekhlal", "Ramkisoen", "Jaggoe", "Pinas", "Wong", "Tjon",
    "Nowak", "Kowalski", "Rossi", "Petrović", "Mensah", "Martens", "Lambrechts",
]

# Combinations that belong to well-known public figures: never generate them.
EXCLUDE = {
    "mark rutte", "hugo de jonge", "wopke hoekstra", "sigrid kaag", "ferd grapperhaus",
    "kajsa ollongren", "hanke bruins slot", "jesse klaver", "frans timmermans",
    "pieter omtzigt", "geert wilders", "caroline van der plas", "dick schoof",
    "mona keijzer", "ruben brekelmans", "eelco heinen", "erik jansen", "anne de vries",
}


def person(rng, used):
    """A fresh fictional (display name, e-mail local part)."""
    while True:
        first = rng.choice(FIRST)
        last = rng.choice(LAST)
        full = f"{first} {last}"
        if full.lower() in EXCLUDE or full in used:
            continue
        used.add(full)
        return full


def email_for(display_name, taken):
    """firstname.lastname@example.nl, ASCII, unique (a digit is added if needed)."""
    from common import slug
    base = slug(display_name).replace("-", ".")
    local, n = base, 2
    while local in taken:
        local = f"{base}{n}"
        n += 1
    taken.add(local)
    return local + "@example.nl"
