"""Regions, départements and establishments of the French prison administration.

Indicative data: real kinds and names of establishments, approximate capacities. The DISP of
each département follows the 2017 map of the directions interrégionales.
"""

import datetime

from insertion.establishments.models import EstablishmentKind as Kind

# (code, name) of the 9 directions interrégionales and the outre-mer mission.
REGIONS = (
    ("BORDEAUX", "DISP de Bordeaux"),
    ("DIJON", "DISP de Dijon"),
    ("LILLE", "DISP de Lille"),
    ("LYON", "DISP de Lyon"),
    ("MARSEILLE", "DISP de Marseille"),
    ("PARIS", "DISP de Paris"),
    ("RENNES", "DISP de Rennes"),
    ("STRASBOURG", "DISP de Strasbourg"),
    ("TOULOUSE", "DISP de Toulouse"),
    ("OM", "Mission des services pénitentiaires de l'outre-mer"),
)

# code -> (name of the SPIP, region code). One SPIP per département.
DEPARTMENTS = {
    "01": ("SPIP de l'Ain", "LYON"),
    "02": ("SPIP de l'Aisne", "LILLE"),
    "03": ("SPIP de l'Allier", "LYON"),
    "04": ("SPIP des Alpes-de-Haute-Provence", "MARSEILLE"),
    "05": ("SPIP des Hautes-Alpes", "MARSEILLE"),
    "06": ("SPIP des Alpes-Maritimes", "MARSEILLE"),
    "07": ("SPIP de l'Ardèche", "LYON"),
    "08": ("SPIP des Ardennes", "STRASBOURG"),
    "09": ("SPIP de l'Ariège", "TOULOUSE"),
    "10": ("SPIP de l'Aube", "STRASBOURG"),
    "11": ("SPIP de l'Aude", "TOULOUSE"),
    "12": ("SPIP de l'Aveyron", "TOULOUSE"),
    "13": ("SPIP des Bouches-du-Rhône", "MARSEILLE"),
    "14": ("SPIP du Calvados", "RENNES"),
    "15": ("SPIP du Cantal", "LYON"),
    "16": ("SPIP de la Charente", "BORDEAUX"),
    "17": ("SPIP de la Charente-Maritime", "BORDEAUX"),
    "18": ("SPIP du Cher", "DIJON"),
    "19": ("SPIP de la Corrèze", "BORDEAUX"),
    "2A": ("SPIP de la Corse-du-Sud", "MARSEILLE"),
    "2B": ("SPIP de la Haute-Corse", "MARSEILLE"),
    "21": ("SPIP de la Côte-d'Or", "DIJON"),
    "22": ("SPIP des Côtes-d'Armor", "RENNES"),
    "23": ("SPIP de la Creuse", "BORDEAUX"),
    "24": ("SPIP de la Dordogne", "BORDEAUX"),
    "25": ("SPIP du Doubs", "DIJON"),
    "26": ("SPIP de la Drôme", "LYON"),
    "27": ("SPIP de l'Eure", "RENNES"),
    "28": ("SPIP d'Eure-et-Loir", "DIJON"),
    "29": ("SPIP du Finistère", "RENNES"),
    "30": ("SPIP du Gard", "TOULOUSE"),
    "31": ("SPIP de la Haute-Garonne", "TOULOUSE"),
    "32": ("SPIP du Gers", "TOULOUSE"),
    "33": ("SPIP de la Gironde", "BORDEAUX"),
    "34": ("SPIP de l'Hérault", "TOULOUSE"),
    "35": ("SPIP d'Ille-et-Vilaine", "RENNES"),
    "36": ("SPIP de l'Indre", "DIJON"),
    "37": ("SPIP d'Indre-et-Loire", "DIJON"),
    "38": ("SPIP de l'Isère", "LYON"),
    "39": ("SPIP du Jura", "DIJON"),
    "40": ("SPIP des Landes", "BORDEAUX"),
    "41": ("SPIP de Loir-et-Cher", "DIJON"),
    "42": ("SPIP de la Loire", "LYON"),
    "43": ("SPIP de la Haute-Loire", "LYON"),
    "44": ("SPIP de la Loire-Atlantique", "RENNES"),
    "45": ("SPIP du Loiret", "DIJON"),
    "46": ("SPIP du Lot", "TOULOUSE"),
    "47": ("SPIP de Lot-et-Garonne", "BORDEAUX"),
    "48": ("SPIP de la Lozère", "TOULOUSE"),
    "49": ("SPIP de Maine-et-Loire", "RENNES"),
    "50": ("SPIP de la Manche", "RENNES"),
    "51": ("SPIP de la Marne", "STRASBOURG"),
    "52": ("SPIP de la Haute-Marne", "STRASBOURG"),
    "53": ("SPIP de la Mayenne", "RENNES"),
    "54": ("SPIP de Meurthe-et-Moselle", "STRASBOURG"),
    "55": ("SPIP de la Meuse", "STRASBOURG"),
    "56": ("SPIP du Morbihan", "RENNES"),
    "57": ("SPIP de la Moselle", "STRASBOURG"),
    "58": ("SPIP de la Nièvre", "DIJON"),
    "59": ("SPIP du Nord", "LILLE"),
    "60": ("SPIP de l'Oise", "LILLE"),
    "61": ("SPIP de l'Orne", "RENNES"),
    "62": ("SPIP du Pas-de-Calais", "LILLE"),
    "63": ("SPIP du Puy-de-Dôme", "LYON"),
    "64": ("SPIP des Pyrénées-Atlantiques", "BORDEAUX"),
    "65": ("SPIP des Hautes-Pyrénées", "TOULOUSE"),
    "66": ("SPIP des Pyrénées-Orientales", "TOULOUSE"),
    "67": ("SPIP du Bas-Rhin", "STRASBOURG"),
    "68": ("SPIP du Haut-Rhin", "STRASBOURG"),
    "69": ("SPIP du Rhône", "LYON"),
    "70": ("SPIP de la Haute-Saône", "DIJON"),
    "71": ("SPIP de Saône-et-Loire", "DIJON"),
    "72": ("SPIP de la Sarthe", "RENNES"),
    "73": ("SPIP de la Savoie", "LYON"),
    "74": ("SPIP de la Haute-Savoie", "LYON"),
    "75": ("SPIP de Paris", "PARIS"),
    "76": ("SPIP de la Seine-Maritime", "RENNES"),
    "77": ("SPIP de Seine-et-Marne", "PARIS"),
    "78": ("SPIP des Yvelines", "PARIS"),
    "79": ("SPIP des Deux-Sèvres", "BORDEAUX"),
    "80": ("SPIP de la Somme", "LILLE"),
    "81": ("SPIP du Tarn", "TOULOUSE"),
    "82": ("SPIP de Tarn-et-Garonne", "TOULOUSE"),
    "83": ("SPIP du Var", "MARSEILLE"),
    "84": ("SPIP de Vaucluse", "MARSEILLE"),
    "85": ("SPIP de la Vendée", "RENNES"),
    "86": ("SPIP de la Vienne", "BORDEAUX"),
    "87": ("SPIP de la Haute-Vienne", "BORDEAUX"),
    "88": ("SPIP des Vosges", "STRASBOURG"),
    "89": ("SPIP de l'Yonne", "DIJON"),
    "90": ("SPIP du Territoire de Belfort", "DIJON"),
    "91": ("SPIP de l'Essonne", "PARIS"),
    "92": ("SPIP des Hauts-de-Seine", "PARIS"),
    "93": ("SPIP de la Seine-Saint-Denis", "PARIS"),
    "94": ("SPIP du Val-de-Marne", "PARIS"),
    "95": ("SPIP du Val-d'Oise", "PARIS"),
    "971": ("SPIP de la Guadeloupe", "OM"),
    "972": ("SPIP de la Martinique", "OM"),
    "973": ("SPIP de la Guyane", "OM"),
    "974": ("SPIP de La Réunion", "OM"),
    "976": ("SPIP de Mayotte", "OM"),
    "987": ("SPIP de la Polynésie française", "OM"),
    "988": ("SPIP de la Nouvelle-Calédonie", "OM"),
}

# The establishments of the demo world (also part of the national data set).
# (name, kind, département, city, capacity, interview rollout date)
DEMO_ESTABLISHMENTS = (
    (
        "Centre pénitentiaire de Fresnes",
        Kind.CENTRE_PENITENTIAIRE,
        "94",
        "Fresnes",
        1320,
        datetime.date(2025, 1, 6),
    ),
    (
        "Centre de détention de Melun",
        Kind.CENTRE_DETENTION,
        "77",
        "Melun",
        300,
        datetime.date(2025, 3, 3),
    ),
    (
        "Maison d'arrêt de Fleury-Mérogis",
        Kind.MAISON_ARRET,
        "91",
        "Fleury-Mérogis",
        2850,
        datetime.date(2025, 1, 6),
    ),
    (
        "Maison d'arrêt de Lyon-Corbas",
        Kind.MAISON_ARRET,
        "69",
        "Corbas",
        690,
        datetime.date(2025, 6, 2),
    ),
    (
        "Centre pénitentiaire de Marseille",
        Kind.CENTRE_PENITENTIAIRE,
        "13",
        "Marseille",
        1270,
        datetime.date(2025, 9, 1),
    ),
    (
        "Centre pénitentiaire de Rennes-Vezin",
        Kind.CENTRE_PENITENTIAIRE,
        "35",
        "Rennes",
        690,
        datetime.date(2025, 4, 7),
    ),
)

# Their codes in the extraction files (the samples of insertion/imports/samples/ use FRE and
# LYO); the other establishments of the national data set are numbered ET001, ET002…
DEMO_CODES = {
    "Centre pénitentiaire de Fresnes": "FRE",
    "Centre de détention de Melun": "MEL",
    "Maison d'arrêt de Fleury-Mérogis": "FLE",
    "Maison d'arrêt de Lyon-Corbas": "LYO",
    "Centre pénitentiaire de Marseille": "MAR",
    "Centre pénitentiaire de Rennes-Vezin": "REN",
}

# Towns with a prison, for the national data set: (town, département). Kinds are assigned
# in realistic proportions, except where the town is known for one kind (KNOWN_KINDS).
# fmt: off
NATIONAL_TOWNS = (
    ("Bourg-en-Bresse", "01"), ("Laon", "02"), ("Château-Thierry", "02"), ("Chauny", "02"),
    ("Moulins", "03"), ("Montluçon", "03"), ("Digne-les-Bains", "04"), ("Gap", "05"),
    ("Nice", "06"), ("Grasse", "06"), ("Privas", "07"), ("Charleville-Mézières", "08"),
    ("Villers-Semeuse", "08"), ("Foix", "09"), ("Troyes", "10"), ("Villenauxe-la-Grande", "10"),
    ("Carcassonne", "11"), ("Rodez", "12"), ("Aix-Luynes", "13"), ("Salon-de-Provence", "13"),
    ("Tarascon", "13"), ("Arles", "13"), ("Caen", "14"), ("Lisieux", "14"), ("Aurillac", "15"),
    ("Angoulême", "16"), ("Saintes", "17"), ("Rochefort", "17"), ("Saint-Martin-de-Ré", "17"),
    ("Bédenac", "17"), ("Bourges", "18"), ("Tulle", "19"), ("Uzerche", "19"), ("Ajaccio", "2A"),
    ("Borgo", "2B"), ("Casabianda", "2B"), ("Dijon", "21"), ("Saint-Brieuc", "22"),
    ("Guéret", "23"), ("Périgueux", "24"), ("Neuvic", "24"), ("Mauzac", "24"), ("Besançon", "25"),
    ("Montbéliard", "25"), ("Valence", "26"), ("Évreux", "27"), ("Val-de-Reuil", "27"),
    ("Chartres", "28"), ("Châteaudun", "28"), ("Brest", "29"), ("Quimper", "29"), ("Nîmes", "30"),
    ("Seysses", "31"), ("Muret", "31"), ("Toulouse", "31"), ("Auch", "32"), ("Gradignan", "33"),
    ("Bordeaux", "33"), ("Béziers", "34"), ("Villeneuve-lès-Maguelone", "34"), ("Saint-Malo", "35"),
    ("Châteauroux", "36"), ("Saint-Maur", "36"), ("Tours", "37"), ("Varces", "38"),
    ("Saint-Quentin-Fallavier", "38"), ("Lons-le-Saunier", "39"), ("Mont-de-Marsan", "40"),
    ("Blois", "41"), ("Saint-Étienne", "42"), ("Roanne", "42"), ("Le Puy-en-Velay", "43"),
    ("Nantes", "44"), ("Orvault", "44"), ("Saran", "45"), ("Montargis", "45"), ("Cahors", "46"),
    ("Agen", "47"), ("Eysses", "47"), ("Mende", "48"), ("Angers", "49"), ("Coutances", "50"),
    ("Cherbourg", "50"), ("Châlons-en-Champagne", "51"), ("Reims", "51"), ("Chaumont", "52"),
    ("Laval", "53"), ("Maxéville", "54"), ("Toul", "54"), ("Écrouves", "54"), ("Bar-le-Duc", "55"),
    ("Saint-Mihiel", "55"), ("Montmédy", "55"), ("Ploemeur", "56"), ("Vannes", "56"),
    ("Metz", "57"), ("Sarreguemines", "57"), ("Nevers", "58"), ("Sequedin", "59"), ("Douai", "59"),
    ("Valenciennes", "59"), ("Maubeuge", "59"), ("Dunkerque", "59"), ("Annœullin", "59"),
    ("Quiévrechain", "59"), ("Loos", "59"), ("Beauvais", "60"), ("Liancourt", "60"),
    ("Compiègne", "60"), ("Condé-sur-Sarthe", "61"), ("Argentan", "61"), ("Arras", "62"),
    ("Béthune", "62"), ("Longuenesse", "62"), ("Vendin-le-Vieil", "62"), ("Bapaume", "62"),
    ("Riom", "63"), ("Clermont-Ferrand", "63"), ("Pau", "64"), ("Bayonne", "64"), ("Tarbes", "65"),
    ("Lannemezan", "65"), ("Perpignan", "66"), ("Strasbourg", "67"), ("Oermingen", "67"),
    ("Lutterbach", "68"), ("Colmar", "68"), ("Ensisheim", "68"), ("Mulhouse", "68"),
    ("Villefranche-sur-Saône", "69"), ("Meyzieu", "69"), ("Lyon", "69"), ("Vesoul", "70"),
    ("Chalon-sur-Saône", "71"), ("Mâcon", "71"), ("Varennes-le-Grand", "71"), ("Coulaines", "72"),
    ("Le Mans", "72"), ("Chambéry", "73"), ("Aiton", "73"), ("Bonneville", "74"), ("Annecy", "74"),
    ("Paris-La Santé", "75"), ("Rouen", "76"), ("Le Havre", "76"), ("Meaux", "77"), ("Réau", "77"),
    ("Bois-d'Arcy", "78"), ("Poissy", "78"), ("Versailles", "78"), ("Porcheville", "78"),
    ("Niort", "79"), ("Amiens", "80"), ("Albi", "81"), ("Lavaur", "81"), ("Montauban", "82"),
    ("La Farlède", "83"), ("Draguignan", "83"), ("Le Pontet", "84"), ("La Roche-sur-Yon", "85"),
    ("Fontenay-le-Comte", "85"), ("Vivonne", "86"), ("Poitiers", "86"), ("Limoges", "87"),
    ("Épinal", "88"), ("Auxerre", "89"), ("Joux-la-Ville", "89"), ("Belfort", "90"),
    ("Corbeil-Essonnes", "91"), ("Nanterre", "92"), ("Villepinte", "93"), ("Créteil", "94"),
    ("Osny", "95"), ("Pontoise", "95"), ("Baie-Mahault", "971"), ("Basse-Terre", "971"),
    ("Ducos", "972"), ("Rémire-Montjoly", "973"), ("Saint-Denis de La Réunion", "974"),
    ("Le Port", "974"), ("Saint-Pierre", "974"), ("Majicavo", "976"), ("Faa'a-Nuutania", "987"),
    ("Nouméa", "988"),
)
# fmt: on

# Towns whose establishment is of a well-known kind.
# fmt: off
KNOWN_KINDS = {
    "Orvault": Kind.EPM, "Meyzieu": Kind.EPM, "Lavaur": Kind.EPM, "Porcheville": Kind.EPM,
    "Quiévrechain": Kind.EPM, "Aix-Luynes": Kind.CENTRE_PENITENTIAIRE,
    "Saint-Martin-de-Ré": Kind.MAISON_CENTRALE, "Arles": Kind.MAISON_CENTRALE,
    "Ensisheim": Kind.MAISON_CENTRALE, "Poissy": Kind.MAISON_CENTRALE,
    "Saint-Maur": Kind.MAISON_CENTRALE, "Lannemezan": Kind.CENTRE_PENITENTIAIRE,
    "Vendin-le-Vieil": Kind.CENTRE_PENITENTIAIRE, "Condé-sur-Sarthe": Kind.CENTRE_PENITENTIAIRE,
    "Casabianda": Kind.CENTRE_DETENTION, "Villenauxe-la-Grande": Kind.CENTRE_DETENTION,
    "Joux-la-Ville": Kind.CENTRE_DETENTION, "Mauzac": Kind.CENTRE_DETENTION,
    "Bédenac": Kind.CENTRE_DETENTION, "Oermingen": Kind.CENTRE_DETENTION,
    "Toul": Kind.CENTRE_DETENTION, "Écrouves": Kind.CENTRE_DETENTION,
    "Montmédy": Kind.CENTRE_DETENTION, "Eysses": Kind.CENTRE_DETENTION,
    "Uzerche": Kind.CENTRE_DETENTION, "Val-de-Reuil": Kind.CENTRE_DETENTION,
    "Loos": Kind.CENTRE_SEMI_LIBERTE, "Lyon": Kind.CENTRE_SEMI_LIBERTE,
    "Mulhouse": Kind.CENTRE_SEMI_LIBERTE, "Toulouse": Kind.CENTRE_SEMI_LIBERTE,
    "Bordeaux": Kind.CENTRE_SEMI_LIBERTE, "Pontoise": Kind.CENTRE_PEINES_AMENAGEES,
    "Créteil": Kind.CENTRE_SEMI_LIBERTE, "Le Mans": Kind.CENTRE_SEMI_LIBERTE,
    "Annecy": Kind.CENTRE_SEMI_LIBERTE, "Clermont-Ferrand": Kind.CENTRE_SEMI_LIBERTE,
    "Corbeil-Essonnes": Kind.CENTRE_SEMI_LIBERTE, "Poitiers": Kind.CENTRE_PEINES_AMENAGEES,
}
# fmt: on

# Shares of the remaining establishments by kind (maisons d'arrêt are the most numerous).
KIND_SHARES = {
    Kind.MAISON_ARRET: 0.55,
    Kind.CENTRE_PENITENTIAIRE: 0.33,
    Kind.CENTRE_DETENTION: 0.12,
}

# Indicative operational capacity ranges and occupancy (maisons d'arrêt are overcrowded).
CAPACITY_RANGES = {
    Kind.MAISON_ARRET: (90, 900),
    Kind.CENTRE_PENITENTIAIRE: (400, 1300),
    Kind.CENTRE_DETENTION: (200, 800),
    Kind.MAISON_CENTRALE: (100, 250),
    Kind.CENTRE_SEMI_LIBERTE: (30, 120),
    Kind.CENTRE_PEINES_AMENAGEES: (30, 80),
    Kind.EPM: (40, 60),
}
OCCUPANCY = {
    Kind.MAISON_ARRET: 1.45,
    Kind.CENTRE_PENITENTIAIRE: 1.25,
    Kind.CENTRE_DETENTION: 0.95,
    Kind.MAISON_CENTRALE: 0.85,
    Kind.CENTRE_SEMI_LIBERTE: 0.8,
    Kind.CENTRE_PEINES_AMENAGEES: 0.8,
    Kind.EPM: 0.8,
}
# Releases per person held over two years: short sentences turn over faster.
TURNOVER = {
    Kind.MAISON_ARRET: 1.6,
    Kind.CENTRE_PENITENTIAIRE: 1.3,
    Kind.CENTRE_DETENTION: 0.6,
    Kind.MAISON_CENTRALE: 0.2,
    Kind.CENTRE_SEMI_LIBERTE: 2.0,
    Kind.CENTRE_PEINES_AMENAGEES: 1.5,
    Kind.EPM: 2.0,
}


def establishment_name(kind: str, town: str) -> str:
    """'Maison d'arrêt d'Angers', 'Centre de détention du Havre', 'Maison centrale d'Arles'."""
    label = Kind(kind).label
    if town.startswith("Le "):
        return f"{label} du {town[3:]}"
    if town.startswith("Les "):
        return f"{label} des {town[4:]}"
    if town[0] in "AEIOUYÉÈÊÂÎaeiouyéèêâî":
        return f"{label} d'{town}"
    return f"{label} de {town}"
